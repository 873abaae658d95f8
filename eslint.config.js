// `npm run lint` (with prettier's check): typescript-eslint's recommended rules on the whole tree.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // Written by programs (generated/ is compared byte for byte with what compile writes) or git-ignored.
  { ignores: ['node_modules/', 'dist/', 'generated/', 'runs/', 'reports/', 'bench-results/', '.cache/', 'data/samples/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // The escapers, the lookalike table and the tests match control characters and combining
      // marks on purpose; aligned columns in expected output read better with their spaces.
      'no-control-regex': 'off',
      'no-misleading-character-class': 'off',
      'no-regex-spaces': 'off',
      'no-eval': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    files: ['src/web/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The hostile sweep builds deliberately malformed values of any shape.
    files: ['scripts/hostile/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
