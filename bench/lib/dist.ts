/**
 * A module of Tabsync as `npm start` runs it: the compiled dist/ (bench/run.ts builds it when
 * stale), typed by the caller as its source module. Loading one also turns source maps off in this
 * process, as plain node has them: tsx, which runs the harness, turns them on for the whole process,
 * and with them on every stack read is mapped. Sequelize reads one per SQLite query; mapped, that
 * was ~2% of a WebSocket validation's CPU, which a deployed server never spends.
 */
export async function fromDist<Module>(file: string): Promise<Module> {
  process.setSourceMapsEnabled(false);
  return (await import(new URL(`../../dist/${file}`, import.meta.url).href)) as Module;
}
