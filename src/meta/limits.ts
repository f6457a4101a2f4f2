// Meta's documented limits that other parts must respect.
/** Longest text body of one WhatsApp message (Cloud API). */
export const MAX_WHATSAPP_TEXT = 4096;

/** Largest webhook body we accept; Meta's are far smaller (a batch of a few events). */
export const MAX_WEBHOOK_BYTES = 3 * 1024 * 1024;
