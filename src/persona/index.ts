/**
 * The persona layer: the offline answer path. An ovos-persona compatible `persona.json` names an ordered chain of
 * solvers (OpenAI-compatible chat endpoint, another HiveMind hub, built-in offline answers, a polite failure); the
 * first solver that answers wins and its sentences stream out as they are generated. This file is the layer's
 * only import surface.
 *
 * @module
 */
export { PersonaError, type PersonaErrorCode, type PersonaErrorOptions, type SolverFailure, type SolverRole } from './errors.js';
export { offlineWarnings, openEndedSolvers, personaOfflineWarnings, OPEN_VOCABULARY_FIX, type OfflineWarningsInput } from './offline-warnings.js';
export * from './constants.js';
export type { Solver, SolverContext, SolverDeps, SolverFactory, SolverRegistry, ConnectivityStatus, HiveMindAsker, HiveMindAskOptions, HiveMindTarget } from './solver.js';
export { SolverConfig } from './solver.js';
export { Persona, solverFailure, type AskOptions, type PersonaAnswer, type PersonaLogEvent, type PersonaOptions, type PersonaTimers, type SolverAttempt, type SolverOutcome } from './persona.js';
export {
  BUILTIN_SOLVERS,
  createDefaultPersona,
  defaultPersonaDir,
  listPersonas,
  loadPersonaFile,
  loadPersonaFromDir,
  loadPersonaOrDefault,
  personaFromJson,
  type PersonaFileEntry,
  type PersonaLoadOptions,
} from './loader.js';
export { OpenAiChatSolver } from './openai-solver.js';
export { HiveMindSolver } from './hivemind-solver.js';
export { BuiltinSolver, builtinPhrases, matchBuiltin, normalizeQuestion, type BuiltinMatch, type BuiltinPhraseSet, type BuiltinPhrasesOptions } from './builtin-solver.js';
export { BUILTIN_LANGUAGES, builtinLanguage, type BuiltinIntent, type BuiltinLanguage, type OfflineCommand, type Operator } from './builtin-phrases.js';
export { FailureSolver, FAILURE_ANSWERS, FAILURE_REASONS, spokenFailureReason } from './failure-solver.js';
export { SentenceSplitter, cleanSentence, splitSentences } from './sentences.js';
export { SseParser } from './sse.js';
export { parseSpokenNumber, spellNumber } from './numbers.js';
