// Botkit needs botbuilder-dialogs, which loads Microsoft's text recognizers (numbers, dates,
// units, choices in a dozen languages) at start for prompts our dialogs never use: about
// 40 MB of resident memory for nothing (bench/README.md, memory). This defers each
// recognizer package until one of its exports is first used. The only export read at load
// time is the suite's Culture (language codes, in static fields), which the small base
// package has with the same values.
//
// Must be imported before anything imports botkit or botbuilder-dialogs (src/main.ts and
// src/compose.ts import it first).
import Module from 'node:module';

const LAZY = new Set([
  '@microsoft/recognizers-text-suite',
  '@microsoft/recognizers-text-date-time',
  '@microsoft/recognizers-text-number',
  '@microsoft/recognizers-text-number-with-unit',
  '@microsoft/recognizers-text-choice',
  '@microsoft/recognizers-text-sequence',
]);

type Loader = (request: string, parent: unknown, isMain: boolean) => unknown;
const moduleInternals = Module as unknown as { _load: Loader };
let installed = false;

export function deferRecognizers(): void {
  if (installed) return;
  installed = true;
  const load = moduleInternals._load;
  moduleInternals._load = function (request, parent, isMain) {
    if (!LAZY.has(request)) return load.call(this, request, parent, isMain);
    return lazyModule(request, () => load.call(this, request, parent, isMain) as Record<PropertyKey, unknown>);
  };
}

function lazyModule(request: string, loadReal: () => Record<PropertyKey, unknown>): object {
  let real: Record<PropertyKey, unknown> | undefined;
  const get = () => (real ??= loadReal());
  const early: Record<PropertyKey, () => unknown> = {
    // TypeScript's __importStar passes ES-module-shaped exports through untouched.
    __esModule: () => true,
  };
  if (request === '@microsoft/recognizers-text-suite') {
    // Synchronous on purpose: this runs inside a require() hook.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    early.Culture = () => (real ? real.Culture : (require('@microsoft/recognizers-text') as { Culture: unknown }).Culture);
  }
  return new Proxy(
    {},
    {
      get: (_t, prop) => (prop in early ? early[prop]() : get()[prop]),
      has: (_t, prop) => prop in get(),
      ownKeys: () => Reflect.ownKeys(get()),
      getOwnPropertyDescriptor: (_t, prop) => {
        const d = Reflect.getOwnPropertyDescriptor(get(), prop);
        return d ? { ...d, configurable: true } : undefined;
      },
    },
  );
}

/** For the test: whether a recognizer package has really been loaded yet. */
export function recognizerLoaded(name: string): boolean {
  try {
    return require.cache[require.resolve(name)] !== undefined;
  } catch {
    return false;
  }
}

deferRecognizers();
