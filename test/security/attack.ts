/**
 * The planted-attack suite's contract (SECURITY.md, "How the defences are tested"). Each file in
 * `test/security/attacks/` exports `attacks: Attack[]`: an attack an untrusted researcher (or the code
 * it writes) could try, driven through the real path (the Messages-API test double proposing it
 * through the tools, the CLI, or the launcher with the sandbox), and a verdict on whether it worked.
 * `attacks.test.ts` runs them all and prints "N attacks tried, M succeeded" for CI.
 */
export interface AttackResult {
  /** True when the attack got what it wanted: a faked number judged or stored, a secret seen, an escape. */
  succeeded: boolean;
  /** What happened, one or two lines: the evidence either way. */
  detail: string;
}

export interface Attack {
  /** kebab-case, unique across the suite */
  id: string;
  /** what the attacker tries, in one sentence */
  title: string;
  /** Why it cannot run here (no bubblewrap, no torch), or undefined to run it. A skipped attack is reported as skipped, never as a pass. */
  skip?: () => string | undefined;
  run: () => Promise<AttackResult>;
  /** ms; default 300_000 */
  timeoutMs?: number;
}
