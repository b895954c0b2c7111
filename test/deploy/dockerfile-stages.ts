import { Copy, DockerfileParser } from 'dockerfile-ast';

export interface Stage {
  name: string | null;
  /** The FROM image, with ARG defaults declared before the first FROM filled in. */
  image: string;
  instructions: { keyword: string; args: string[]; from?: string }[];
}

/** The build stages of a Dockerfile, in order, as Docker reads them. */
export function readStages(content: string): Stage[] {
  const dockerfile = DockerfileParser.parse(content);
  const defaults = new Map(
    dockerfile.getInitialARGs().map((arg) => [arg.getProperty()?.getName() ?? '', arg.getProperty()?.getValue() ?? '']),
  );
  const stages: Stage[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    const keyword = instruction.getKeyword();
    const args = instruction.getArguments().map((a) => a.getValue());
    if (keyword === 'FROM') {
      const image = args[0].replace(/^\$\{?(\w+)\}?$/, (_, name: string) => defaults.get(name) ?? '');
      stages.push({ name: args[2] ?? null, image, instructions: [] });
      continue;
    }
    if (!stages.length) continue;
    // Flags (--from, --chown) are not among a COPY's arguments; --from is read apart.
    const from = instruction instanceof Copy ? instruction.getFromFlag()?.getValue() : undefined;
    stages[stages.length - 1].instructions.push({ keyword, args, ...(from ? { from } : {}) });
  }
  return stages;
}
