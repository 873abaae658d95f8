// Loads and compiles the handlebars templates of the code emitters, once each.
import { readFileSync } from 'node:fs';
import Handlebars from 'handlebars';

/**
 * No HTML escaping: emitters hand templates only values they have already turned into source
 * literals with a real escaper. Strict: a name missing from the context is an error.
 */
export const TEMPLATE_OPTIONS = { noEscape: true, strict: true } as const;

const cache = new Map<string, Handlebars.TemplateDelegate>();

/** The template `templates/<name>.hbs`, compiled on first use (the built package has them precompiled). */
export function codeTemplate(name: string): Handlebars.TemplateDelegate {
  let template = cache.get(name);
  if (!template) {
    const text = readFileSync(new URL(`./templates/${name}.hbs`, import.meta.url), 'utf8');
    template = Handlebars.compile(text, TEMPLATE_OPTIONS);
    cache.set(name, template);
  }
  return template;
}
