// ESLint for the workspace's TypeScript: typescript-eslint's recommended rules and angular-eslint's
// for components and templates. Formatting is Prettier's job (npm run lint runs both).
import angular from 'angular-eslint';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['dist/**', 'node_modules/**', '.angular/**', 'out-tsc/**', 'consumers/angular-*/**', 'bench/**', 'server/**', 'examples/**'],
  },
  {
    files: ['projects/**/*.ts'],
    extends: [...tseslint.configs.recommended, ...angular.configs.tsRecommended],
    processor: angular.processInlineTemplates,
    rules: {
      // Unused parameters named with a leading underscore say "required by the signature".
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@angular-eslint/component-selector': 'off',
      '@angular-eslint/directive-selector': 'off',
    },
  },
  {
    files: ['projects/**/*.html'],
    extends: [...angular.configs.templateRecommended, ...angular.configs.templateAccessibility],
  },
  {
    files: ['e2e/**/*.mjs', 'scripts/**/*.mjs', 'consumers/*.mjs'],
    extends: [...tseslint.configs.recommended],
    languageOptions: { globals: { window: 'readonly', document: 'readonly', process: 'readonly', console: 'readonly' } },
    rules: { '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }] },
  },
);
