// Every key of every namespace exists in every language, with the same interpolation
// variables and the plural forms each language needs; no value is empty.
import fs from 'node:fs';
import path from 'node:path';
import { LOCALES, localesDir } from '../../src/i18n';

type Tree = { [k: string]: string | Tree };

function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out.set(key, v);
    else for (const [kk, vv] of flatten(v, key)) out.set(kk, vv);
  }
  return out;
}

const PLURAL = /_(zero|one|two|few|many|other)$/;
const vars = (s: string) => [...s.matchAll(/\{\{\s*([\w.]+)\s*\}\}/g)].map((m) => m[1]).sort();

const dir = localesDir();
const namespaces = [...new Set(LOCALES.flatMap((l) => fs.readdirSync(path.join(dir, l)).filter((f) => f.endsWith('.json'))))].sort();
const load = (l: string, ns: string) => {
  const file = path.join(dir, l, ns);
  return fs.existsSync(file) ? flatten(JSON.parse(fs.readFileSync(file, 'utf8'))) : null;
};

describe('locales', () => {
  it('has namespaces (bot among them)', () => {
    expect(namespaces).toContain('bot.json');
    expect(namespaces).toContain('common.json');
  });

  describe.each(namespaces)('%s', (ns) => {
    it.each(LOCALES)('exists in %s', (l) => {
      expect(load(l, ns)).not.toBeNull();
    });

    it.each(LOCALES)('%s has every key, the same variables and the plural forms it needs', (l) => {
      const base = load('en', ns)!;
      const other = load(l, ns)!;
      const problems: string[] = [];
      // Plural keys are compared by family (base key): each language needs its own
      // categories. A family needs two suffixed keys: a lone "x_other" is an ordinary key.
      const pluralBases = (m: Map<string, string>) => {
        const count = new Map<string, number>();
        for (const k of m.keys()) if (PLURAL.test(k)) count.set(k.replace(PLURAL, ''), (count.get(k.replace(PLURAL, '')) ?? 0) + 1);
        return new Set([...count].filter(([, n]) => n >= 2).map(([b]) => b));
      };
      const families = (m: Map<string, string>) => {
        const bases = pluralBases(m);
        return new Set([...m.keys()].map((k) => (bases.has(k.replace(PLURAL, '')) ? k.replace(PLURAL, '') : k)));
      };
      for (const k of families(base)) if (!families(other).has(k)) problems.push(`missing ${k}`);
      for (const k of families(other)) if (!families(base).has(k)) problems.push(`extra ${k} (not in en)`);
      const rules = new Intl.PluralRules(l).resolvedOptions().pluralCategories;
      for (const k of pluralBases(other)) for (const cat of rules) if (!other.has(`${k}_${cat}`)) problems.push(`missing plural ${k}_${cat}`);
      for (const [k, v] of other) {
        if (v.trim() === '') problems.push(`empty ${k}`);
        const en = base.get(k) ?? base.get(k.replace(PLURAL, '_other'));
        if (en !== undefined && JSON.stringify(vars(en)) !== JSON.stringify(vars(v))) problems.push(`variables differ in ${k}: ${vars(v)} vs en ${vars(en)}`);
      }
      expect(problems).toEqual([]);
    });
  });
});
