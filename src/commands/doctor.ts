import type { CliCommand, DoctorCheck } from '../plugin.ts';
import { parseArgs } from '../args.ts';
import { resolveConfigFile } from '../config/config-file.ts';
import { formatProblem } from '../config/problems.ts';
import { dirname } from 'node:path';
import type { DestinationStream } from 'pino';
import { counted } from '../counted.ts';

export const doctorCommand: CliCommand = {
  name: 'doctor',
  summary: 'check config, state, connections and job folders; say how to fix what is wrong',
  usage: `Usage: dropcron doctor [--config FILE]

Checks, one line each ("ok" or "FAIL", with the fix): every config file is valid; the
state directory and the master key are private; each connection is authorised, has
the scopes its jobs' tasks need, reaches its proxy and the service through it, and
the clock agrees with the service's; every job's local folders exist and are
writable, and each download target's disk has room for the job's largest past run. Reads only: safe beside a running daemon, whose sandbox it shares. Exits 1
when anything is wrong.`,
  async run(argv, cli) {
    parseArgs(argv, []);
    // Imported here, not at the top: `dropcron --help` imports every command module.
    const [{ loadConfig }, { createServices }, { createLogger }, { withSandboxes }, checks] = await Promise.all([
      import('../config/load.ts'),
      import('../services.ts'),
      import('../log.ts'),
      import('../sandboxes.ts'),
      import('./doctor-checks.ts'),
    ]);
    let failed = 0;
    const say = (c: DoctorCheck) => {
      if (!c.ok) failed++;
      cli.stdout.write(
        `${c.ok ? 'ok  ' : 'FAIL'}  ${c.subject}: ${c.detail}${!c.ok && c.fix ? `; fix: ${c.fix}` : ''}\n`,
      );
    };
    const loaded = await loadConfig(resolveConfigFile(cli.configFile));
    const { config, problems } = loaded;
    say(
      problems.length
        ? {
            subject: 'config',
            ok: false,
            detail: `${counted(problems.length, 'problem')}, the first: ${formatProblem(problems[0]!)}`,
            fix: `dropcron --config ${config.file} validate lists them all`,
          }
        : {
            subject: 'config',
            ok: true,
            detail: `${config.file}: ${counted(loaded.connections.length, 'connection')}, ${counted(loaded.jobs.length, 'job')}`,
          },
    );
    say(await checks.stateCheck(config.state));
    const key = await checks.masterKeyCheck(config.state, process.env);
    say(key.check);

    // Errors only, as JSON on stderr: stdout holds just the checks.
    const log = createLogger({
      level: 'error',
      destination: cli.stderr as unknown as DestinationStream,
      pretty: false,
    });
    const services = createServices(config, { log });
    try {
      await withSandboxes(loaded, services, log, async () => {
        for (const def of loaded.connections) {
          const ct = loaded.registry.connectionTypes.get(def.type)!;
          for (const c of [await checks.authorisationCheck(def, ct, services, key), await checks.proxyCheck(def)])
            if (c) say(c);
        }
        for (const plugin of loaded.registry.plugins) {
          if (!plugin.doctor) continue;
          const types = new Set(plugin.connectionTypes.map((t) => t.type));
          const connections = loaded.connections.filter((c) => types.has(c.type));
          const names = new Set(connections.map((c) => c.name));
          const jobs = loaded.jobs.filter((j) => names.has(j.connection));
          for (const c of await plugin.doctor({
            connections,
            jobs,
            services,
            baseDir: dirname(config.file),
            vault: key.vault,
            largestRuns: (job) => checks.largestRuns(services.store, job),
          }))
            say(c);
        }
      });
    } finally {
      await services.close();
    }
    cli.stdout.write(failed ? `${counted(failed, 'problem')} found\n` : 'all checks passed\n');
    return failed ? 1 : 0;
  },
};
