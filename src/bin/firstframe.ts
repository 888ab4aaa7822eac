// The firstframe command line: `firstframe generate "<prompt>" -o out.mp4` and
// `firstframe extend in.mp4 "<caption>" -o out.mp4` (see --help).
import { EngineInputError, ModelFormatError } from '../engine/index.js';
import { EXTEND_USAGE, extendCommand } from '../cli/extend.js';
import { GENERATE_USAGE, generateCommand } from '../cli/generate.js';

const COMMANDS: Record<string, (args: string[]) => Promise<void>> = {
  generate: generateCommand,
  extend: extendCommand,
};

const USAGE = `firstframe: make a short video from a prompt, on this machine.\n\n${GENERATE_USAGE}\n\n${EXTEND_USAGE}`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || rest.includes('--help')) {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  const run = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!run) {
    console.error(
      `unknown command "${command}"; allowed: ${Object.keys(COMMANDS).join(', ')}\n\n${USAGE}`,
    );
    return 2;
  }
  try {
    await run(rest);
    return 0;
  } catch (error) {
    if (error instanceof EngineInputError || error instanceof ModelFormatError) {
      console.error(`firstframe: ${error.message}`);
      return 2;
    }
    if (
      error instanceof TypeError &&
      'code' in error &&
      String(error.code).startsWith('ERR_PARSE_ARGS')
    ) {
      console.error(`firstframe: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    throw error;
  }
}

process.exitCode = await main(process.argv.slice(2));
