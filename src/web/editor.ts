// The spec editor: CodeMirror 6 with YAML highlighting, and the compiler's diagnostics shown
// as markers in the gutter and underlines in the text, each with the command line's message.
import { EditorState, type Extension } from '@codemirror/state';
import { drawSelection, EditorView, highlightActiveLine, highlightActiveLineGutter, keymap, lineNumbers } from '@codemirror/view';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { bracketMatching, defaultHighlightStyle, indentOnInput, syntaxHighlighting } from '@codemirror/language';
import { yaml } from '@codemirror/lang-yaml';
import { lintGutter, setDiagnostics, type Diagnostic } from '@codemirror/lint';

export interface Problem {
  line: number;
  col: number;
  message: string;
}

export interface SpecEditor {
  /** Replaces the text and the undo history (another spec was opened). */
  open(text: string): void;
  /** Replaces the text as one undoable edit (revert). */
  replace(text: string): void;
  text(): string;
  showProblems(problems: readonly Problem[]): void;
  jumpTo(line: number, col: number): void;
}

export interface EditorHooks {
  onChange(text: string): void;
  onSave(): void;
}

/** Where a problem at line:col (1-based, as the compiler reports it) starts and ends in the text. */
function rangeOf(state: EditorState, problem: Problem): { from: number; to: number } {
  const line = state.doc.line(Math.min(Math.max(1, problem.line), state.doc.lines));
  const from = line.from + Math.min(Math.max(0, problem.col - 1), line.length);
  // Underline the rest of the word or value that starts there (at least one character when there is one).
  const rest = line.text.slice(from - line.from);
  const word = /^[^\s,:\]}]+/.exec(rest)?.[0].length ?? 0;
  return { from, to: Math.min(line.to, from + Math.max(word, rest.length ? 1 : 0)) };
}

export function createEditor(parent: HTMLElement, hooks: EditorHooks): SpecEditor {
  const extensions: Extension[] = [
    lineNumbers(),
    lintGutter(),
    highlightActiveLineGutter(),
    history(),
    drawSelection(),
    indentOnInput(),
    bracketMatching(),
    highlightActiveLine(),
    EditorView.lineWrapping,
    syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
    yaml(),
    EditorState.tabSize.of(2),
    keymap.of([{ key: 'Mod-s', preventDefault: true, run: () => (hooks.onSave(), true) }, indentWithTab, ...defaultKeymap, ...historyKeymap]),
    EditorView.contentAttributes.of({ 'aria-label': 'Spec text' }),
    // The page's Content-Security-Policy admits the editor's own <style> element by this nonce.
    EditorView.cspNonce.of(document.querySelector<HTMLMetaElement>('meta[name=csp-nonce]')?.content ?? ''),
    EditorView.updateListener.of((update) => {
      if (update.docChanged) hooks.onChange(update.state.doc.toString());
    }),
  ];
  const view = new EditorView({ parent, state: EditorState.create({ doc: '', extensions }) });

  return {
    open(text) {
      view.setState(EditorState.create({ doc: text, extensions }));
      hooks.onChange(text);
    },
    replace(text) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
    },
    text: () => view.state.doc.toString(),
    showProblems(problems) {
      const diagnostics: Diagnostic[] = problems.map((p) => ({ ...rangeOf(view.state, p), severity: 'error', message: p.message }));
      view.dispatch(setDiagnostics(view.state, diagnostics));
    },
    jumpTo(line, col) {
      const { from } = rangeOf(view.state, { line, col, message: '' });
      view.dispatch({ selection: { anchor: from }, effects: EditorView.scrollIntoView(from, { y: 'center' }) });
      view.focus();
    },
  };
}
