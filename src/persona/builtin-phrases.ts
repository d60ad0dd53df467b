/**
 * The built-in solver's language data: what it understands and how it answers, one table per language. Adding a
 * language means adding a table here (and, for number words that are not "tens + units" compounds, a
 * `parseNumber`), not code in the solver.
 *
 * Phrase templates use `{number}` and `{operator}` slots. They double as the offline STT grammar
 * (`builtinPhrases()`), so every template must be plain lower-case words the recognizer's dictionary knows.
 *
 * @module
 */

/** The questions the built-in solver answers. */
export type BuiltinIntent = 'time' | 'date' | 'weekday' | 'arithmetic' | 'online' | 'identity';

/**
 * Commands the offline path recognizes but cannot carry out (they need the hub's skills): recognized so that the
 * user hears "I can't do that while I'm offline" instead of a wrong answer or a bare "not understood".
 */
export type OfflineCommand = 'lights' | 'weather' | 'music' | 'timer';

/** Arithmetic operators. */
export type Operator = 'plus' | 'minus' | 'times' | 'divide';

/** Everything the built-in solver needs to know about one language. */
export interface BuiltinLanguage {
  /** BCP-47 locale used for `Intl` number, date and time formatting. */
  readonly locale: string;
  /** Phrase templates per intent, in matching order; `{number}` and `{operator}` are slots. Also the STT grammar. */
  readonly intents: Readonly<Record<BuiltinIntent, readonly string[]>>;
  /** Command templates per offline command (`{room}` and `{number}` are slots). Also the STT grammar. */
  readonly commands: Readonly<Record<OfflineCommand, readonly string[]>>;
  /** Values of the `{room}` slot of the command templates. */
  readonly rooms: readonly string[];
  /**
   * More templates that are matched but kept out of the STT grammar: short or rare forms that would make the
   * recognizer confuse the common ones (measured: every extra alternative costs accuracy).
   */
  readonly matchOnly: Readonly<Partial<Record<BuiltinIntent, readonly string[]>>>;
  /** Words for each operator, in the grammar and in answers (the first is used in answers). */
  readonly operators: Readonly<Record<Operator, readonly string[]>>;
  /** More words for each operator, matched in typed or HTTP-transcribed text but kept out of the STT grammar. */
  readonly operatorAliases: Readonly<Record<Operator, readonly string[]>>;
  /** Contractions expanded before matching ("what's" → "what is"); the grammar gets both forms. */
  readonly contractions: Readonly<Record<string, string>>;
  /** Politeness words stripped from the start and end before matching ("please", "hey", "tell me"…). */
  readonly fillers: { readonly prefixes: readonly string[]; readonly suffixes: readonly string[] };
  /** Number words. */
  readonly numbers: {
    /** zero..nineteen, by value. */
    readonly small: readonly string[];
    /** twenty, thirty … ninety (value 20, 30 … 90). */
    readonly tens: readonly string[];
    readonly hundred: string;
    readonly thousand: string;
    readonly million: string;
    /** Words that may join parts of one number ("and" in "one hundred and five"). */
    readonly joiners: readonly string[];
    /** Decimal point word. */
    readonly point: string;
    /** Sign words ("negative"). */
    readonly negative: readonly string[];
    /** "a" as in "a hundred". */
    readonly one: readonly string[];
  };
  /** Answer templates: `{time}`, `{date}`, `{weekday}`, `{a}`, `{operator}`, `{b}`, `{result}`, `{name}`. */
  readonly answers: {
    readonly time: string;
    readonly date: string;
    readonly weekday: string;
    readonly arithmetic: string;
    readonly arithmeticApprox: string;
    readonly divideByZero: string;
    readonly hubOnline: string;
    readonly hubOfflineInternetUp: string;
    readonly hubOffline: string;
    readonly connectivityUnknown: string;
    readonly identity: string;
    /** What each offline command cannot do now. */
    readonly unavailable: Readonly<Record<OfflineCommand, string>>;
  };
}

/** English. */
const EN: BuiltinLanguage = {
  locale: 'en-US',
  intents: {
    arithmetic: [
      'what is {number} {operator} {number}',
      'how much is {number} {operator} {number}',
      'calculate {number} {operator} {number}',
    ],
    date: [
      'what is the date',
      'what is the date today',
      "what is today's date",
      'what date is it',
      'what date is it today',
      'tell me the date',
    ],
    weekday: [
      'what day is it',
      'what day is it today',
      'what day is today',
      'what day of the week is it',
      'what day of the week is it today',
      'which day is it',
      'which day is it today',
    ],
    time: ['what time is it', 'what time is it now', 'what is the time', 'what is the time now', 'tell me the time'],
    online: ['are you online', 'are you offline', 'are you connected', 'are you connected to the hub', 'is the hub online', 'is the hub offline', 'can you reach the hub'],
    identity: ['who are you', 'what are you', 'what is your name', 'tell me about yourself'],
  },
  commands: {
    lights: [
      'turn on the lights',
      'turn off the lights',
      'turn the lights on',
      'turn the lights off',
      'turn on the {room} lights',
      'turn off the {room} lights',
      'switch on the lights',
      'switch off the lights',
    ],
    weather: ['what is the weather', 'what is the weather like', 'what is the weather today', 'what is the weather tomorrow', 'is it going to rain'],
    music: ['play some music', 'play music', 'stop the music', 'pause the music', 'play the radio'],
    timer: ['set a timer', 'set a timer for {number} minutes', 'set an alarm', 'cancel the timer'],
  },
  rooms: ['kitchen', 'living room', 'bedroom', 'bathroom', 'hall', 'office', 'dining room'],
  matchOnly: {
    arithmetic: ['{number} {operator} {number}'],
    date: ["today's date", 'what is the day of the month', 'date'],
    weekday: ['what is the day today', 'day of the week'],
    time: ['what time it is', 'the time', 'time', 'the time now'],
    online: ['is the internet working'],
  },
  operators: {
    plus: ['plus'],
    minus: ['minus'],
    times: ['times', 'multiplied by'],
    divide: ['divided by'],
  },
  operatorAliases: {
    plus: ['add', 'and'],
    minus: ['take away', 'less'],
    times: ['x'],
    divide: ['over'],
  },
  contractions: { "what's": 'what is', "who's": 'who is', "how's": 'how is' },
  fillers: {
    prefixes: ['hey', 'ok', 'okay', 'please', 'can you tell me', 'could you tell me', 'do you know', 'tell me', 'and', 'so'],
    suffixes: ['please', 'now', 'right now', 'for me', 'again'],
  },
  numbers: {
    small: ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'],
    tens: ['twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'],
    hundred: 'hundred',
    thousand: 'thousand',
    million: 'million',
    joiners: ['and'],
    point: 'point',
    negative: ['negative', 'minus'],
    one: ['a', 'an'],
  },
  answers: {
    time: "It's {time}.",
    date: 'Today is {date}.',
    weekday: 'Today is {weekday}.',
    arithmetic: '{a} {operator} {b} is {result}.',
    arithmeticApprox: '{a} {operator} {b} is about {result}.',
    divideByZero: "You can't divide by zero.",
    hubOnline: "Yes, I'm connected to my HiveMind hub.",
    hubOfflineInternetUp: "I can't reach my HiveMind hub right now, but the network is up. I'm answering on my own for now.",
    hubOffline: "No, I'm offline. I can't reach my HiveMind hub, so I'm answering on my own.",
    connectivityUnknown: "I can't tell right now whether my HiveMind hub is reachable.",
    identity: "I'm {name}, a HiveMind voice satellite. While my hub is out of reach, I can tell you the time and the date, and do simple sums.",
    unavailable: {
      lights: "I can't control the lights while I'm offline.",
      weather: "I can't get the weather while I'm offline.",
      music: "I can't play music while I'm offline.",
      timer: "I can't set timers or alarms while I'm offline.",
    },
  },
};

/** Language tables by base language. */
export const BUILTIN_LANGUAGES: Readonly<Record<string, BuiltinLanguage>> = { en: EN };

/** The table for a language tag ("en-GB" → English), or undefined. */
export function builtinLanguage(lang: string): BuiltinLanguage | undefined {
  return BUILTIN_LANGUAGES[lang.toLowerCase().split(/[-_]/)[0] ?? ''];
}
