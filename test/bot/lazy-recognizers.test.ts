// Runs in a child process: jest has its own module loader, the hook is for Node's.
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const dist = path.resolve(__dirname, '../../dist/src');

const run = (script: string) => JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { PATH: process.env.PATH } }));

describe('deferred text recognizers', () => {
  it('loading the whole service leaves the recognizers unloaded; using one loads it and it works', () => {
    const out = run(`
      require(${JSON.stringify(path.join(dist, 'compose'))});
      const { recognizerLoaded } = require(${JSON.stringify(path.join(dist, 'bot/lazy-recognizers'))});
      const names = ['suite', 'date-time', 'number', 'number-with-unit', 'choice', 'sequence'].map((n) => '@microsoft/recognizers-text-' + n);
      const before = names.filter(recognizerLoaded);
      const dialogs = require('botbuilder-dialogs');
      const culture = dialogs.PromptCultureModels.Finnish ? 'fi' : dialogs.PromptCultureModels.English.locale;
      const numbers = require('@microsoft/recognizers-text-number').recognizeNumber('three hundred', 'en-us');
      process.stdout.write(JSON.stringify({ before, culture, value: numbers[0] && numbers[0].resolution.value, after: names.filter(recognizerLoaded) }));
    `);
    expect(out.before).toEqual([]);
    expect(out.culture).toBe('en-us');
    expect(out.value).toBe('300');
    expect(out.after).toContain('@microsoft/recognizers-text-number');
  });
});
