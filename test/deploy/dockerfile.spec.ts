import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validate } from 'dockerfile-utils';
import { readStages, Stage } from './dockerfile-stages';

const ROOT = join(__dirname, '..', '..');
const DOCKERFILE = readFileSync(join(ROOT, 'docker', 'Dockerfile'), 'utf8');
const DOCKERIGNORE = readFileSync(join(ROOT, '.dockerignore'), 'utf8');

/** What docker/Dockerfile's runtime stage may copy in: the build output and production dependencies. */
const RUNTIME_COPIES = ['deps:/app/node_modules', 'build:/app/dist/src', 'build:/app/dist/migrations', 'context:package.json'];

function lintProblems(content: string): string[] {
  return validate(content).map((d) => `line ${d.range.start.line + 1}: ${typeof d.message === 'string' ? d.message : d.message.value}`);
}

function runtimeCopies(stage: Stage): string[] {
  return stage.instructions
    .filter((i) => i.keyword === 'COPY' || i.keyword === 'ADD')
    .flatMap((i) => i.args.slice(0, -1).map((src) => `${i.from ?? 'context'}:${src}`));
}

/** The allowlist in .dockerignore: `*`, then `!path` re-includes. */
function contextAllows(path: string): boolean {
  const lines = DOCKERIGNORE.split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  return lines[0] === '*' && lines.some((l) => l === `!${path}` || l === `!${path}/`);
}

describe('Dockerfile (docker/Dockerfile) and .dockerignore', () => {
  const stages = readStages(DOCKERFILE);
  const runtime = stages[stages.length - 1];

  it('passes dockerfile-utils validation', () => {
    expect(lintProblems(DOCKERFILE)).toEqual([]);
  });

  it('dockerfile-utils fails a broken copy', () => {
    const broken = DOCKERFILE.replace('EXPOSE 3000', 'EXPOSE http').replace('USER 1000:1000', 'USER');
    expect(lintProblems(broken).length).toBeGreaterThanOrEqual(2);
  });

  it('runs on a supported Node LTS (22 or 24), in every stage', () => {
    expect(stages.map((s) => s.name)).toEqual(['build', 'deps', 'runtime']);
    for (const stage of stages) expect(stage.image).toMatch(/^node:(22|24)(\.\d+)*-[a-z]+-slim$/);
  });

  it('ships only dist/src, dist/migrations, production node_modules and package.json', () => {
    expect(runtimeCopies(runtime).sort()).toEqual([...RUNTIME_COPIES].sort());
    const deps = stages.find((s) => s.name === 'deps');
    expect(deps?.instructions.find((i) => i.keyword === 'RUN')?.args.join(' ')).toMatch(/^npm ci --omit=dev /);
    expect(runtime.instructions.some((i) => i.keyword === 'RUN')).toBe(false);
  });

  it('runs as a numeric non-root user, so runAsNonRoot can check it', () => {
    const user = runtime.instructions.filter((i) => i.keyword === 'USER').pop()?.args[0];
    expect(user).toMatch(/^[1-9]\d*(:\d+)?$/);
  });

  it('sends the build only what it copies: no node_modules, .env, bench/, tools/ or test/', () => {
    const fromContext = stages.flatMap((s) =>
      s.instructions.filter((i) => i.keyword === 'COPY' && !i.from).flatMap((i) => i.args.slice(0, -1)),
    );
    expect(fromContext.filter((src) => !contextAllows(src))).toEqual([]);
    for (const kept of ['node_modules', '.env', 'dist', 'bench', 'tools', 'test', '.git']) expect(contextAllows(kept)).toBe(false);
  });

  it('would notice a runtime stage that copies the whole build', () => {
    const broken = readStages(DOCKERFILE.replace('COPY --from=build /app/dist/src ./dist/src', 'COPY --from=build /app/dist ./dist'));
    expect(runtimeCopies(broken[broken.length - 1])).toContain('build:/app/dist');
  });
});
