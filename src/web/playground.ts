// The spec playground: pick a spec from the specs folder, edit it, and on every edit see what
// the compiler says: located errors (the command line's messages), or the summary and the
// architecture diagram. Saving goes through the server, which checks as `compile` does.
import * as api from './api.js';
import { compileSpecText, formatDiagnostic, renderArchitectureSvg, renderSummary } from './compiler.js';
import { createEditor, type SpecEditor } from './editor.js';

const byId = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

interface Elements {
  select: HTMLSelectElement;
  save: HTMLButtonElement;
  revert: HTMLButtonElement;
  saveStatus: HTMLElement;
  verdict: HTMLElement;
  diagnostics: HTMLElement;
  summary: HTMLElement;
  diagram: HTMLElement;
}

/** The diagram's SVG markup as nodes: parsed as XML, so nothing in it can run, and refused if it is not well-formed. */
function svgNodes(markup: string): Node | undefined {
  const parsed = new DOMParser().parseFromString(markup, 'image/svg+xml');
  if (parsed.querySelector('parsererror') || parsed.documentElement.localName !== 'svg') return undefined;
  return document.importNode(parsed.documentElement, true);
}

export class Playground {
  private readonly el: Elements;
  private readonly editor: SpecEditor;
  private folder = 'specs';
  private name = '';
  /** The text on disk, per spec, as last read or saved. */
  private readonly onDisk = new Map<string, string>();
  /** Unsaved edits, per spec, kept while another spec is open. */
  private readonly drafts = new Map<string, string>();
  private pending = 0;

  constructor() {
    this.el = {
      select: byId('spec-select'),
      save: byId('save'),
      revert: byId('revert'),
      saveStatus: byId('save-status'),
      verdict: byId('verdict'),
      diagnostics: byId('diagnostics'),
      summary: byId('summary'),
      diagram: byId('diagram'),
    };
    this.editor = createEditor(byId('editor'), { onChange: (text) => this.changed(text), onSave: () => void this.save() });
    this.el.select.addEventListener('change', () => void this.open(this.el.select.value));
    this.el.save.addEventListener('click', () => void this.save());
    this.el.revert.addEventListener('click', () => this.editor.replace(this.onDisk.get(this.name) ?? ''));
    window.addEventListener('beforeunload', (event) => {
      if (this.drafts.size) event.preventDefault();
    });
  }

  /** Lists the specs and opens `preferred` (or the first). */
  async start(preferred?: string): Promise<void> {
    const list = await api.listSpecs();
    this.folder = list.folder;
    this.el.select.replaceChildren(...list.specs.map((name) => new Option(name, name)));
    if (!list.specs.length) {
      this.el.verdict.textContent = `No specs in ${list.folder}/ yet: create one with \`netspec init <name>\`.`;
      return;
    }
    const fromHash = new URLSearchParams(location.hash.slice(1)).get('spec');
    const first = [fromHash, preferred].find((n) => n && list.specs.includes(n)) ?? list.specs[0]!;
    await this.open(first);
  }

  private async open(name: string): Promise<void> {
    this.el.select.value = name;
    let text = this.drafts.get(name);
    if (text === undefined) {
      try {
        text = await api.readSpec(name);
      } catch (error) {
        this.el.verdict.className = 'bad';
        this.el.verdict.textContent = `Cannot open ${this.folder}/${name}: ${(error as Error).message}`;
        return;
      }
      this.onDisk.set(name, text);
    }
    this.name = name;
    this.el.saveStatus.textContent = '';
    history.replaceState(null, '', `#spec=${encodeURIComponent(name)}`);
    this.editor.open(text);
  }

  private changed(text: string): void {
    if (!this.name) return;
    if (text === this.onDisk.get(this.name)) this.drafts.delete(this.name);
    else this.drafts.set(this.name, text);
    const dirty = this.drafts.has(this.name);
    this.el.save.disabled = !dirty;
    this.el.revert.disabled = !dirty;
    // Compile once per frame however fast the typing: the result is always for the latest text.
    if (!this.pending)
      this.pending = requestAnimationFrame(() => {
        this.pending = 0;
        this.compile(this.editor.text());
      });
  }

  private compile(text: string): void {
    const file = `${this.folder}/${this.name}`;
    const result = compileSpecText(file, text);
    const { verdict, diagnostics, summary, diagram } = this.el;
    if (!result.ok) {
      const count = result.diagnostics.length;
      verdict.className = 'bad';
      verdict.textContent = `${count} problem${count === 1 ? '' : 's'} in ${file}`;
      diagnostics.replaceChildren(
        ...result.diagnostics.map((d) => {
          const item = document.createElement('li');
          item.textContent = formatDiagnostic(d);
          item.dataset.line = String(d.line);
          item.title = 'Show in the editor';
          item.addEventListener('click', () => this.editor.jumpTo(d.line, d.col));
          return item;
        }),
      );
      this.editor.showProblems(result.diagnostics);
      // The last good summary and diagram stay, dimmed, so the model does not vanish while typing.
      summary.classList.add('stale');
      diagram.classList.add('stale');
      return;
    }
    const model = result.model;
    const total = model.totals.trainable + model.totals.nonTrainable;
    verdict.className = 'good';
    verdict.textContent = `${model.ir.name}: ${model.layers.length} layers, ${total.toLocaleString('en-US')} parameters, checked`;
    diagnostics.replaceChildren();
    this.editor.showProblems([]);
    summary.textContent = renderSummary(model);
    const svg = svgNodes(renderArchitectureSvg(model));
    diagram.replaceChildren(...(svg ? [svg] : []));
    summary.classList.remove('stale');
    diagram.classList.remove('stale');
  }

  private async save(): Promise<void> {
    if (!this.drafts.has(this.name)) return;
    const name = this.name;
    const text = this.editor.text();
    const status = this.el.saveStatus;
    status.className = '';
    status.textContent = 'saving…';
    try {
      const result = await api.saveSpec(name, text);
      if (!result.saved) {
        status.className = 'bad';
        status.textContent = `not saved:\n${result.diagnostics.join('\n')}`;
        return;
      }
      this.onDisk.set(name, text);
      if (this.name === name) this.changed(this.editor.text());
      status.textContent = `saved ${result.file}${result.wrote.length ? `; wrote ${result.wrote.join(', ')}` : ''}`;
    } catch (error) {
      status.className = 'bad';
      status.textContent = `not saved: ${(error as Error).message}`;
    }
  }
}
