// How Meta names a WhatsApp customer, and how a send addresses one. A phone number
// (wa_id) goes in `to`; a business-scoped user id (BSUID: a two-letter country code, a
// dot, an optional "ENT." for a parent BSUID, then up to 128 letters and digits, e.g.
// "FI.6856184290916264") goes in `recipient`, which Meta's Messages API added for
// customers with a username and no phone number shared. When both are sent `to` wins, and
// Meta recommends the phone number when known, so a send carries exactly one of them.

const PHONE = /^\d{5,20}$/;
const BSUID = /^[A-Z]{2}\.(ENT\.)?[A-Za-z0-9]{1,128}$/;

export const isPhoneNumber = (id: string): boolean => PHONE.test(id);
export const isBsuid = (id: string): boolean => BSUID.test(id);
/** A phone number or a BSUID: what a giosg thread of ours may be keyed by. */
export const isCustomerId = (id: string): boolean => isPhoneNumber(id) || isBsuid(id);

/** The address fields of a Messages API send for this customer id. */
export function recipientFields(address: string): { to: string } | { recipient: string } {
  return isBsuid(address) ? { recipient: address } : { to: address };
}
