// The TypeScript blocks of README.md, docs/TESTING.md and the example servers' READMEs (their
// Angular side) that are not files of the quick-start app,
// turned into files a fresh CLI app type-checks (consumers.test.mjs): what the docs show must
// compile as shown, not only the quick start.
//
// A block preceded by `<!-- snippet:PATH -->` is that file, verbatim; one starting with `import`
// is a file of its own. Every other block is a fragment, placed in a file after the imports it may
// use (the packages' public names, the Angular and rxjs functions the docs call) and the names the
// docs take from the app (`ChatMessage`, `Tick`, `APP_ENV`, the quick start's `AuthApi`, the
// README's `eventEnvelope`, and in specs `socket` and `Chat`):
// - a block with `it(`, `beforeEach(`… lines is the body of a spec file;
// - any other is providers: as written when it starts with `export` or `const`, else the elements
//   of a providers array. Lines after `// in a component` are the body of a component class.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const DOCS = ['README.md', 'docs/TESTING.md', 'examples/django-channels/README.md', 'examples/nestjs/README.md'];
const ANGULAR = [
  "import { provideHttpClient, withInterceptors, withInterceptorsFromDi } from '@angular/common/http';",
  "import { ApplicationConfig, Component, EnvironmentProviders, InjectionToken, Provider, inject } from '@angular/core';",
  "import { toSignal } from '@angular/core/rxjs-interop';",
  "import { TestBed } from '@angular/core/testing';",
  "import { map, scan } from 'rxjs';",
];
/** What the docs take from the app around them. */
const APP_CONTEXT = [
  "export interface ChatMessage extends SocketMessage { type: 'chat'; from: string; text: string }",
  "export interface Tick extends SocketMessage { type: 'tick'; symbol: string; price: number }",
  'export declare const APP_ENV: InjectionToken<{ socketUrl: string; ticketUrl: string; pricesUrl: string }>;',
  "import { AuthApi } from '../src/app/auth-api';",
  'export declare const eventEnvelope: SocketSerializer;',
];
const SPEC_CONTEXT = ['declare const socket: AuthSocketTestingController;', 'declare class Chat {}'];

/** Every TypeScript block of the docs but the quick start's, counted so none is skipped silently. */
export function docBlocks(root) {
  const blocks = [];
  for (const doc of DOCS) {
    const text = readFileSync(join(root, doc), 'utf8');
    for (const m of text.matchAll(/(?:<!-- ([a-z-]+):(\S+) -->\n)?```ts\n([\s\S]*?)```/g)) {
      if (m[1]?.startsWith('quick-start')) continue;
      const line = text.slice(0, m.index).split('\n').length;
      blocks.push({ doc, line, file: m[1] === 'snippet' ? m[2] : null, code: m[3] });
    }
  }
  return blocks;
}

/**
 * The files for `blocks` under `dir` (relative to the app), given the names the two entry points
 * export (from their .d.ts files).
 */
export function snippetFiles(blocks, dir, exported) {
  const imports = [
    ...ANGULAR,
    `import { ${exported.main.join(', ')} } from 'ngx-auth-socket';`,
    `import { ${exported.testing.join(', ')} } from 'ngx-auth-socket/testing';`,
  ];
  return blocks.map((block, i) => {
    const origin = `// ${block.doc}, line ${block.line}`;
    const name = `${block.doc.replace(/\W+/g, '-').toLowerCase()}-${i + 1}`;
    if (block.file || /^import /.test(block.code)) {
      return { path: `${dir}/${block.file ?? `${name}.ts`}`, code: `${origin}\n${block.code}` };
    }
    if (/^\s*(it|beforeEach|afterEach|describe)\(/m.test(block.code)) {
      return {
        path: `${dir}/${name}.spec.ts`,
        code: [origin, ...imports, ...APP_CONTEXT, ...SPEC_CONTEXT, '', block.code].join('\n'),
      };
    }
    const [head, component] = block.code.split(/^\/\/ in a component\n/m);
    const top = /^(export |const )/.test(head.trim())
      ? head
      : `export const providers: Array<Provider | EnvironmentProviders> = [\n${head.trim().replace(/[,;]$/, '')}\n];\n`;
    const body = component
      ? `\n@Component({ selector: 'doc-snippet-${i + 1}', template: '' })\nexport class DocSnippet${i + 1} {\n${component}}\n`
      : '';
    return { path: `${dir}/${name}.ts`, code: [origin, ...imports, ...APP_CONTEXT, '', top + body].join('\n') };
  });
}

/** The names a package's .d.ts exports (values and types). */
export function exportedNames(dts) {
  const names = [];
  for (const m of dts.matchAll(/^export (?:type )?\{([^}]*)\};?$/gm)) {
    for (const part of m[1].split(',')) {
      const name = part
        .trim()
        .split(/\s+as\s+/)
        .pop();
      if (name && !name.startsWith('ɵ')) names.push(name);
    }
  }
  return names;
}
