// Bundle the modeler (src/modeler.js and src/modeler.css) with esbuild into
// workflow_service/static/vendor/bpmn-modeler/, and copy the licence of every npm package the bundle
// contains beside it (taken from esbuild's metafile, so the list cannot drift from the bundle).
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const target = resolve(here, '../../workflow_service/static/vendor/bpmn-modeler');

rmSync(target, { recursive: true, force: true });
mkdirSync(target, { recursive: true });

const result = await build({
  entryPoints: { 'bpmn-modeler': join(here, 'src/modeler.js'), 'bpmn-modeler-style': join(here, 'src/modeler.css') },
  outdir: target,
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020'],
  jsx: 'automatic',
  jsxImportSource: '@bpmn-io/properties-panel/preact',
  loader: { '.woff': 'file', '.woff2': 'file', '.eot': 'file', '.ttf': 'file', '.svg': 'file' },
  assetNames: 'fonts/[name]-[hash]',
  // The licences are copied whole below; the bundle keeps no comments.
  legalComments: 'none',
  metafile: true,
  logLevel: 'info'
});

// node_modules/<name> or node_modules/@scope/<name>, innermost, for each input of the bundle.
const packages = new Set();
for (const input of Object.keys(result.metafile.inputs)) {
  const match = input.match(/.*node_modules\/((?:@[^/]+\/)?[^/]+)\//);
  if (match) {
    packages.add(match[1]);
  }
}

const licences = join(target, 'licenses');
const listed = [];
for (const name of [...packages].sort()) {
  const folder = join(here, 'node_modules', name);
  const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'));
  const file = readdirSync(folder).find((entry) => /^(licen[cs]e|copying)(\.(md|txt))?$/i.test(entry));
  mkdirSync(join(licences, name), { recursive: true });
  if (file) {
    copyFileSync(join(folder, file), join(licences, name, 'LICENSE'));
  } else if (manifest.license) {
    // A package that ships no licence text: what its package.json declares, and who wrote it.
    const author = typeof manifest.author === 'string' ? manifest.author : manifest.author && manifest.author.name;
    writeFileSync(
      join(licences, name, 'LICENSE'),
      `${name}@${manifest.version}: ${manifest.license} licence, as its package.json declares` +
        `${author ? ` (author: ${author})` : ''}; the package ships no licence file.\n`
    );
  } else {
    throw new Error(`${name} declares no licence: it cannot be shipped`);
  }
  listed.push(`${name}@${manifest.version} (${manifest.license || 'see LICENSE'})`);
}
// bpmn-js's licence asks that the bpmn.io watermark stays visible: the page never hides it.
copyFileSync(join(here, 'node_modules/bpmn-js/LICENSE'), join(target, 'LICENSE'));
writeFileSync(join(target, 'PACKAGES'), listed.join('\n') + '\n');
console.log(`bundled ${listed.length} packages into ${target}`);
if (!existsSync(join(target, 'bpmn-modeler.js'))) {
  throw new Error('no bundle written');
}
