#!/usr/bin/env node
// The npm package's README (projects/ngx-auth-socket/README.md, which ng-packagr copies into
// dist/ngx-auth-socket) is the repository README for library users: the same text without the
// sections about this workspace, with every relative link made absolute to the GitHub repository
// (npm renders the README away from the repository, where relative links lead nowhere).
//
//   node scripts/package-readme.mjs           writes it (npm run readme:package)
//   node scripts/package-readme.mjs --check   exits 1 when it is out of date
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPOSITORY = 'https://github.com/ngx-auth-socket/ngx-auth-socket';

/** Sections (## headings) about developing this workspace rather than using the library. */
const WORKSPACE_SECTIONS = ['Two commands', 'Workspace'];

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const PACKAGE_README = join(ROOT, 'projects/ngx-auth-socket/README.md');

export function packageReadme(markdown) {
  const sections = markdown.split(/^(?=## )/m);
  const kept = sections.filter((section) => !WORKSPACE_SECTIONS.some((title) => section.startsWith(`## ${title}\n`)));
  const body = kept.join('').replace(/\]\((?!https?:|#|mailto:)([^)\s]+)\)/g, (_, target) => `](${absolute(target)})`);
  return `<!-- Generated from the repository's README.md by scripts/package-readme.mjs: edit that file, then run npm run readme:package. -->\n${body}`;
}

function absolute(target) {
  const [path, anchor] = target.split('#');
  const clean = path.replace(/^\.\//, '');
  const kind = clean.endsWith('/') || !/\.[a-z0-9]+$/i.test(clean) ? 'tree' : 'blob';
  return `${REPOSITORY}/${kind}/main/${clean}${anchor === undefined ? '' : `#${anchor}`}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const wanted = packageReadme(readFileSync(join(ROOT, 'README.md'), 'utf8'));
  if (process.argv.includes('--check')) {
    const current = readFileSync(PACKAGE_README, 'utf8');
    if (current !== wanted) {
      console.error('projects/ngx-auth-socket/README.md is out of date: run npm run readme:package');
      process.exit(1);
    }
  } else {
    writeFileSync(PACKAGE_README, wanted);
  }
}
