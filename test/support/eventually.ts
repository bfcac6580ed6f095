/** Whether `condition` holds within `ms` (polled every 25 ms); false rather than a throw, for the caller's own assertion. */
export async function eventually(condition: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end && !condition()) await new Promise((resolve) => setTimeout(resolve, 25));
  return condition();
}
