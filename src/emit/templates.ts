// Loads and compiles the handlebars templates of the code emitters, once each.
import { readFileSync } from 'node:fs';
import Handlebars from 'handlebars';

const cache = new Map<string, Handlebars.TemplateDelegate>();

/**
 * The template `templates/<name>.hbs`, compiled without HTML escaping: emitters hand it only
 * values they have already turned into source literals with a real escaper.
 */
export function codeTemplate(name: string): Handlebars.TemplateDelegate {
  let template = cache.get(name);
  if (!template) {
    const text = readFileSync(new URL(`./templates/${name}.hbs`, import.meta.url), 'utf8');
    template = Handlebars.compile(text, { noEscape: true, strict: true });
    cache.set(name, template);
  }
  return template;
}
