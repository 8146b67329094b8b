import { SchematicTestRunner, UnitTestTree } from '@angular-devkit/schematics/testing';
import * as ts from '@schematics/angular/third_party/github.com/Microsoft/TypeScript/lib/typescript';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';

// Compiled to dist/schematics-spec/ng-add/; the collection and schema sit beside it.
const COLLECTION = join(__dirname, '../collection.json');
const LIBRARY_PACKAGE = join(__dirname, '../../../projects/ngx-auth-socket/package.json');

const runner = new SchematicTestRunner('ngx-auth-socket', COLLECTION);

/** A workspace as `ng new app` makes it (the project at the workspace root). */
async function newApp(standalone: boolean): Promise<UnitTestTree> {
  const workspace = await runner.runExternalSchematic('@schematics/angular', 'workspace', {
    name: 'workspace',
    version: '21.2.24',
    newProjectRoot: 'projects',
  });
  return runner.runExternalSchematic('@schematics/angular', 'application', { name: 'app', projectRoot: '', standalone }, workspace);
}

const APP_CONFIG = '/src/app/app.config.ts';
const APP_MODULE = '/src/app/app-module.ts';

function count(text: string, pattern: RegExp): number {
  return text.match(new RegExp(pattern.source, 'g'))?.length ?? 0;
}

/** The file still parses as TypeScript (the consumers suite compiles a real one). */
function assertParses(file: string, text: string): void {
  const result = ts.transpileModule(text, { reportDiagnostics: true, fileName: file });
  assert.deepEqual(result.diagnostics?.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')), [], `${file}:\n${text}`);
}

function replaceInFile(tree: UnitTestTree, file: string, from: string, to: string): void {
  const text = tree.readContent(file);
  assert.ok(text.includes(from), `${file} has no "${from}":\n${text}`);
  tree.overwrite(file, text.replace(from, to));
}

describe('ng add ngx-auth-socket', () => {
  test('standalone app: the interceptor and provideAuthSocket({ url }) in app.config.ts', async () => {
    const tree = await runner.runSchematic('ng-add', { url: '/channel/' }, await newApp(true));
    const config = tree.readContent(APP_CONFIG);
    assert.match(config, /provideHttpClient\(withInterceptors\(\[authTokenInterceptor\]\)\)/);
    assert.match(config, /provideAuthSocket\(\{ url: '\/channel\/' \}\)/);
    assert.match(config, /import \{ provideHttpClient, withInterceptors \} from '@angular\/common\/http';/);
    assert.match(config, /import \{ authTokenInterceptor, provideAuthSocket \} from 'ngx-auth-socket';/);
    // The HTTP client first, so the interceptor is in place before the socket's first ticket request.
    assert.ok(config.indexOf('provideHttpClient(') < config.indexOf('provideAuthSocket('));
    assertParses(APP_CONFIG, config);
  });

  test('adds no dev dependency: the testing kit brings its own in-memory socket', async () => {
    const before = JSON.parse(readFileSync(LIBRARY_PACKAGE, 'utf8'));
    assert.equal(before.peerDependencies['mock-socket'], undefined);
    const tree = await runner.runSchematic('ng-add', { url: '/channel/' }, await newApp(true));
    const pkg = JSON.parse(tree.readContent('/package.json'));
    assert.equal(pkg.devDependencies?.['mock-socket'], undefined);
    assert.equal(pkg.dependencies?.['mock-socket'], undefined);
  });

  test('NgModule app: both providers in the AppModule', async () => {
    const tree = await runner.runSchematic('ng-add', { url: 'wss://api.example.com/channel/' }, await newApp(false));
    const module = tree.readContent(APP_MODULE);
    assert.match(module, /providers: \[[\s\S]*provideHttpClient\(withInterceptors\(\[authTokenInterceptor\]\)\)/);
    assert.match(module, /provideAuthSocket\(\{ url: 'wss:\/\/api\.example\.com\/channel\/' \}\)/);
    assert.match(module, /from 'ngx-auth-socket'/);
    assertParses(APP_MODULE, module);
  });

  const merges: [string, string, string][] = [
    ['provideHttpClient()', 'provideHttpClient()', 'provideHttpClient(withInterceptors([authTokenInterceptor]))'],
    ['provideHttpClient(withFetch())', 'provideHttpClient(withFetch())', 'provideHttpClient(withFetch(), withInterceptors([authTokenInterceptor]))'],
    [
      'provideHttpClient(withInterceptorsFromDi()) (their class interceptors run first)',
      'provideHttpClient(withInterceptorsFromDi())',
      'provideHttpClient(withInterceptorsFromDi(), withInterceptors([authTokenInterceptor]))',
    ],
    [
      'provideHttpClient(withInterceptors([logInterceptor])) (ours last)',
      'provideHttpClient(withInterceptors([logInterceptor]))',
      'provideHttpClient(withInterceptors([logInterceptor, authTokenInterceptor]))',
    ],
    ['provideHttpClient(withInterceptors([]))', 'provideHttpClient(withInterceptors([]))', 'provideHttpClient(withInterceptors([authTokenInterceptor]))'],
  ];
  for (const [name, existing, expected] of merges) {
    test(`merges into an existing ${name} instead of adding a second one`, async () => {
      const tree = await newApp(true);
      replaceInFile(tree, APP_CONFIG, 'providers: [', `providers: [\n    ${existing},`);
      const used = [...new Set(existing.match(/provideHttpClient|with\w+/g))];
      replaceInFile(tree, APP_CONFIG, 'import { provideRouter }', `import { ${used.join(', ')} } from '@angular/common/http';\nimport { provideRouter }`);
      const config = (await runner.runSchematic('ng-add', { url: '/channel/' }, tree)).readContent(APP_CONFIG);
      assert.ok(config.includes(expected), config);
      assert.equal(count(config, /provideHttpClient\(/), 1, config);
      assert.match(config, /import \{ authTokenInterceptor, provideAuthSocket \} from 'ngx-auth-socket';/);
      const httpImport = /import \{ ([^}]*) \} from '@angular\/common\/http';/.exec(config)?.[1].split(', ').sort();
      assert.deepEqual(httpImport, [...new Set([...used, 'withInterceptors'])].sort());
      assertParses(APP_CONFIG, config);
    });
  }

  test('merges into provideHttpClient(...) in the AppModule too', async () => {
    const tree = await newApp(false);
    replaceInFile(tree, APP_MODULE, 'providers: [', 'providers: [\n    provideHttpClient(withFetch()),');
    replaceInFile(tree, APP_MODULE, "import { NgModule", "import { provideHttpClient, withFetch } from '@angular/common/http';\nimport { NgModule");
    const module = (await runner.runSchematic('ng-add', { url: '/channel/' }, tree)).readContent(APP_MODULE);
    assert.ok(module.includes('provideHttpClient(withFetch(), withInterceptors([authTokenInterceptor]))'), module);
    assert.equal(count(module, /provideHttpClient\(/), 1, module);
    assertParses(APP_MODULE, module);
  });

  test('running it again adds nothing twice', async () => {
    const once = await runner.runSchematic('ng-add', { url: '/channel/' }, await newApp(true));
    const first = once.readContent(APP_CONFIG);
    const twice = await runner.runSchematic('ng-add', { url: '/other/' }, once);
    assert.equal(twice.readContent(APP_CONFIG), first);
  });

  test('quotes the URL as a TypeScript string', async () => {
    const tree = await runner.runSchematic('ng-add', { url: "/it's/" }, await newApp(true));
    const config = tree.readContent(APP_CONFIG);
    assert.ok(config.includes("provideAuthSocket({ url: '/it\\'s/' })"), config);
    assertParses(APP_CONFIG, config);
  });

  test('refuses a URL that is neither a path nor ws:// / wss://', async () => {
    const app = await newApp(true);
    await assert.rejects(runner.runSchematic('ng-add', { url: 'api.example.com/channel/' }, app), /--url must be a path/);
  });

  test('names the applications when it cannot tell which one is meant', async () => {
    const app = await newApp(true);
    const two = await runner.runExternalSchematic('@schematics/angular', 'application', { name: 'admin', standalone: true }, app);
    await assert.rejects(runner.runSchematic('ng-add', { url: '/channel/' }, two), /Several applications \(app, admin\): pass --project/);
    const tree = await runner.runSchematic('ng-add', { url: '/channel/', project: 'admin' }, two);
    assert.match(tree.readContent('/projects/admin/src/app/app.config.ts'), /provideAuthSocket\(/);
    assert.doesNotMatch(tree.readContent(APP_CONFIG), /provideAuthSocket\(/);
  });

  test('asks for the URL (x-prompt) with /channel/ as the default', () => {
    const schema = JSON.parse(readFileSync(join(__dirname, 'schema.json'), 'utf8'));
    assert.match(schema.properties.url['x-prompt'], /Socket URL/);
    assert.equal(schema.properties.url.default, '/channel/');
  });
});
