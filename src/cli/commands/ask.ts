/**
 * `hivesat ask [connection flags] [--json] [--timeout SEC] "text"`: ask the hub one question and print what it says.
 *
 * Prints each spoken answer on its own line (`--json`: one JSON object per answer). Exit codes: 0 answered,
 * 2 authentication/authorization failure, 3 no answer within the timeout or hub unreachable, 1 anything else.
 *
 * @module
 */
import { parseArgs } from 'node:util';
import { type ConnectionSettings, resolveConnectionSettings } from '../../config/index.js';
import { ask } from '../../hivemind/index.js';
import { type CliIo, type Command, EXIT } from '../cli-io.js';
import { CONNECTION_HELP, CONNECTION_OPTIONS, cliLogger, commandConnectionOptions, parseTimeoutSeconds, toConnectionFlags } from '../connection-flags.js';
import { UsageError, asUsageError, describeError } from '../errors.js';

/** Default `--timeout`, seconds. */
export const ASK_DEFAULT_TIMEOUT_S = 30;

const HELP = `Usage: hivesat ask [options] "text"

Send "text" to the hub as an utterance and print each spoken answer on its own line.

Options:
  --json                 print one JSON object per answer ({"utterance", "lang", "expect_response"})
  --timeout SEC          give up after SEC seconds (connect + answer), default ${ASK_DEFAULT_TIMEOUT_S}
  -h, --help             show this help

${CONNECTION_HELP}

Exit codes: 0 answered, 2 authentication/authorization failure, 3 no answer in time or hub unreachable, 1 other.`;

async function run(args: readonly string[], io: CliIo): Promise<number> {
  let settings: ConnectionSettings | undefined;
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      allowPositionals: true,
      strict: true,
      options: { ...CONNECTION_OPTIONS, json: { type: 'boolean' }, timeout: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
    if (values.help === true) {
      io.stdout.write(`${HELP}\n`);
      return EXIT.OK;
    }
    const text = positionals.join(' ').trim();
    if (text === '') throw new UsageError('nothing to ask: give the text as an argument, e.g. hivesat ask "what time is it"');
    const timeoutMs = parseTimeoutSeconds(values.timeout, ASK_DEFAULT_TIMEOUT_S);
    settings = await resolveConnectionSettings({ flags: toConnectionFlags(values), env: io.env });
    const logger = cliLogger(io, values.verbose === true);
    const result = await ask({ ...commandConnectionOptions(settings, logger), timeoutMs }, text);
    if (result.answers.length === 0) {
      io.stderr.write(`the hub handled the utterance but said nothing (${result.end})\n`);
      return EXIT.UNAVAILABLE;
    }
    for (const answer of result.answers) {
      io.stdout.write(values.json === true ? `${JSON.stringify({ utterance: answer.utterance, lang: answer.lang ?? null, expect_response: answer.expectResponse })}\n` : `${answer.utterance}\n`);
    }
    return EXIT.OK;
  } catch (error) {
    const failure = describeError(asUsageError(error, 'ask'), settings);
    io.stderr.write(`hivesat ask: ${failure.message}\n`);
    return failure.exitCode;
  }
}

/** The `ask` command. */
export const askCommand: Command = { name: 'ask', summary: 'ask the hub a question and print the spoken answers', help: HELP, run };
