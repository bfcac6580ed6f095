/** Resolves once `check` holds (polled every 25 ms); fails, naming `what`, once `timeoutMs` have passed. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 20_000, what = 'the condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not hold within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Whether `condition` holds within `ms` (polled every 25 ms): false rather than a throw, for the caller's own assertion. */
export async function holdsWithin(condition: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end && !condition()) await new Promise((resolve) => setTimeout(resolve, 25));
  return condition();
}
