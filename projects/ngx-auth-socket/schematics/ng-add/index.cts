import { Rule, SchematicContext, SchematicsException, Tree, chain } from '@angular-devkit/schematics';
import * as ts from '@schematics/angular/third_party/github.com/Microsoft/TypeScript/lib/typescript';
import { addRootProvider, readWorkspace } from '@schematics/angular/utility';
import { insertImport } from '@schematics/angular/utility/ast-utils';
import { Change, InsertChange, applyToUpdateRecorder } from '@schematics/angular/utility/change';

/** The options of `ng add ngx-auth-socket` (schema.json). */
export interface NgAddOptions {
  /** The application; defaults to the workspace's only application. */
  project?: string;
  /** The socket URL passed to `provideAuthSocket({ url })`. */
  url: string;
}

const HTTP = '@angular/common/http';
const LIBRARY = 'ngx-auth-socket';
const DOCS = 'https://github.com/ngx-auth-socket/ngx-auth-socket#where-the-token-comes-from';

/**
 * `ng add ngx-auth-socket`: the interceptor in the app's `provideHttpClient(...)` (merged into an
 * existing call, never a second one), `provideAuthSocket({ url })` among the root providers
 * (`app.config.ts` or the `AppModule`). The testing kit needs no dev dependency (it has its own
 * in-memory socket). Running it again adds nothing twice.
 */
export function ngAdd(options: NgAddOptions): Rule {
  return async (tree: Tree, context: SchematicContext) => {
    const url = checkUrl(options.url, context);
    const workspace = await readWorkspace(tree);
    const projectName = pickApplication(workspace, options.project);
    const mainFile = findMainFile(workspace, projectName);
    const rootFiles = rootProviderFiles(tree, mainFile);

    const rules: Rule[] = [];
    const httpClientFile = rootFiles.find((file) => findCalls(parse(tree, file), 'provideHttpClient').length > 0);
    if (httpClientFile) {
      rules.push(addInterceptorToProvideHttpClient(httpClientFile));
    } else {
      if (rootFiles.some((file) => /\bHttpClientModule\b/.test(tree.readText(file)))) {
        context.logger.warn(
          'HttpClientModule found: authTokenInterceptor needs provideHttpClient(withInterceptors([...])), which is added now. ' +
            'Remove HttpClientModule from the imports and add withInterceptorsFromDi() to provideHttpClient(...) if you have class-based interceptors.',
        );
      }
      rules.push(
        addRootProvider(projectName, ({ code, external }) =>
          code`${external('provideHttpClient', HTTP)}(${external('withInterceptors', HTTP)}([${external('authTokenInterceptor', LIBRARY)}]))`,
        ),
      );
    }

    if (rootFiles.some((file) => findCalls(parse(tree, file), 'provideAuthSocket').length > 0)) {
      context.logger.info('provideAuthSocket(...) is already among the root providers: left as it is.');
    } else {
      rules.push(addRootProvider(projectName, ({ code, external }) => code`${external('provideAuthSocket', LIBRARY)}({ url: ${quote(url)} })`));
    }

    rules.push((_tree: Tree, ctx: SchematicContext) => {
      ctx.logger.info(
        `ngx-auth-socket added to "${projectName}". The socket connects once it has a token: ` +
          `capture it from your login response (captureToken), set it (AuthTokenStore.set) or read it (tokenGetter). See ${DOCS}`,
      );
    });
    return chain(rules);
  };
}

function checkUrl(raw: string | undefined, context: SchematicContext): string {
  const url = (raw ?? '/channel/').trim();
  if (!/^(\/|wss?:\/\/)/.test(url)) {
    throw new SchematicsException(`--url must be a path on the app's origin (/channel/) or a ws:// / wss:// URL; got "${url}".`);
  }
  if (/^ws:\/\//.test(url) && !/^ws:\/\/(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?\//.test(url)) {
    context.logger.warn(`${url}: ws:// to a host other than loopback is refused at run time unless allowInsecure: true. Use wss://.`);
  }
  return url;
}

type Workspace = Awaited<ReturnType<typeof readWorkspace>>;

function pickApplication(workspace: Workspace, requested: string | undefined): string {
  const applications = [...workspace.projects.entries()]
    .filter(([, project]) => project.extensions['projectType'] === 'application')
    .map(([name]) => name);
  if (requested) {
    if (!applications.includes(requested)) {
      throw new SchematicsException(`"${requested}" is not an application of this workspace (applications: ${applications.join(', ') || 'none'}).`);
    }
    return requested;
  }
  if (applications.length === 1) return applications[0];
  throw new SchematicsException(
    applications.length === 0
      ? 'This workspace has no application to add ngx-auth-socket to.'
      : `Several applications (${applications.join(', ')}): pass --project.`,
  );
}

function findMainFile(workspace: Workspace, projectName: string): string {
  const options = workspace.projects.get(projectName)?.targets.get('build')?.options ?? {};
  const main = options['browser'] ?? options['main'];
  if (typeof main !== 'string') throw new SchematicsException(`"${projectName}" has no build target with a browser/main file.`);
  return main;
}

/**
 * Where the app's root providers can live: the main file and the files it imports relatively
 * (`./app/app.config`, `./app/app.module`), the same places `addRootProvider` edits.
 */
function rootProviderFiles(tree: Tree, mainFile: string): string[] {
  const files = [mainFile];
  const dir = mainFile.slice(0, mainFile.lastIndexOf('/') + 1);
  for (const statement of parse(tree, mainFile).statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    const specifier = statement.moduleSpecifier.text;
    if (!specifier.startsWith('.')) continue;
    const file = normalize(`${dir}${specifier}.ts`);
    if (tree.exists(file)) files.push(file);
  }
  return files;
}

/**
 * Adds `authTokenInterceptor` to an existing `provideHttpClient(...)`: into its
 * `withInterceptors([...])` if there is one, else as a last `withInterceptors([...])` feature.
 * Last, so that an interceptor of the app that sets `Authorization` runs first and ours adopts it.
 */
function addInterceptorToProvideHttpClient(file: string): Rule {
  return (tree: Tree, context: SchematicContext) => {
    const source = parse(tree, file);
    const [call] = findCalls(source, 'provideHttpClient');
    const changes: Change[] = [];
    const existing = call.arguments.find((arg) => ts.isCallExpression(arg) && calleeName(arg) === 'withInterceptors') as
      | ts.CallExpression
      | undefined;
    if (existing) {
      const list = existing.arguments[0];
      if (!list || !ts.isArrayLiteralExpression(list)) {
        context.logger.warn(`${file}: withInterceptors(...) has no array literal; add authTokenInterceptor to it by hand.`);
        return;
      }
      if (list.elements.some((e) => ts.isIdentifier(e) && e.text === 'authTokenInterceptor')) return;
      const last = list.elements[list.elements.length - 1];
      changes.push(
        last
          ? new InsertChange(file, last.getEnd(), ', authTokenInterceptor')
          : new InsertChange(file, list.getStart() + 1, 'authTokenInterceptor'),
      );
    } else {
      const last = call.arguments[call.arguments.length - 1];
      changes.push(
        last
          ? new InsertChange(file, last.getEnd(), ', withInterceptors([authTokenInterceptor])')
          : new InsertChange(file, call.arguments.pos, 'withInterceptors([authTokenInterceptor])'),
      );
      changes.push(insertImport(source, file, 'withInterceptors', HTTP));
    }
    changes.push(insertImport(source, file, 'authTokenInterceptor', LIBRARY));
    const recorder = tree.beginUpdate(file);
    applyToUpdateRecorder(recorder, changes);
    tree.commitUpdate(recorder);
  };
}

function parse(tree: Tree, file: string): ts.SourceFile {
  return ts.createSourceFile(file, tree.readText(file), ts.ScriptTarget.Latest, true);
}

function findCalls(source: ts.SourceFile, name: string): ts.CallExpression[] {
  const found: ts.CallExpression[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && calleeName(node) === name) found.push(node);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function calleeName(call: ts.CallExpression): string | undefined {
  return ts.isIdentifier(call.expression) ? call.expression.text : undefined;
}

function quote(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function normalize(path: string): string {
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '..') parts.pop();
    else if (part !== '.' && part !== '') parts.push(part);
  }
  return (path.startsWith('/') ? '/' : '') + parts.join('/');
}
