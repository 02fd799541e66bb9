/**
 * A real one-node Slurm cluster for the tests, started and stopped by the test itself: Debian 12's Slurm 22.05 and
 * munge (installed by tools/test-env/slurm.sh), with everything under a temp folder: its own munge key and socket,
 * a minimal slurm.conf (proctrack/linuxproc, task/none, select/cons_tres, accounting off, one node `localhost`
 * with 2 CPUs on 127.0.0.1, free ports), state, spool and logs. The daemons run in the foreground as child
 * processes of the test; `stop()` cancels what is left in the queue and ends them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, promises as fs } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const SBIN = ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin'];

function findProgram(name: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), ...SBIN];
  for (const d of dirs) {
    const p = path.join(d, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // next
    }
  }
  return null;
}

/** The programs the cluster needs, or an error saying how to install them. */
export function slurmPrograms(): Record<'munged' | 'slurmctld' | 'slurmd' | 'sbatch' | 'sinfo' | 'scancel' | 'squeue', string> {
  const names = ['munged', 'slurmctld', 'slurmd', 'sbatch', 'sinfo', 'scancel', 'squeue'] as const;
  const found = Object.fromEntries(names.map((n) => [n, findProgram(n)])) as Record<(typeof names)[number], string | null>;
  const missing = names.filter((n) => found[n] === null);
  if (missing.length > 0) {
    throw new Error(`Slurm is not installed here (missing ${missing.join(', ')}): run tools/test-env/slurm.sh as root (it installs Debian's slurmctld, slurmd, slurm-client and munge), then rerun this test`);
  }
  return found as Record<(typeof names)[number], string>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (err) => resolve({ code: 127, stdout, stderr: String(err) }));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

async function waitFor(what: string, deadlineMs: number, check: () => Promise<boolean>, diagnostics: () => Promise<string>): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the test Slurm cluster: ${what} within ${deadlineMs / 1000} s\n${await diagnostics()}`);
}

export interface SlurmCluster {
  readonly dir: string;
  /** The environment for Slurm's client commands (SLURM_CONF pointing at this cluster). */
  readonly env: NodeJS.ProcessEnv;
  /** Seconds from the first daemon started to the node idle. */
  readonly startSeconds: number;
  stop(): Promise<void>;
}

export async function startSlurmCluster(): Promise<SlurmCluster> {
  const p = slurmPrograms();
  const t0 = performance.now();
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'holoclip-slurm-'));
  await fs.chmod(dir, 0o755);
  for (const sub of ['munge', 'state', 'spool', 'log']) await fs.mkdir(path.join(dir, sub), { mode: 0o755 });
  const key = path.join(dir, 'munge', 'munge.key');
  await fs.writeFile(key, randomBytes(1024), { mode: 0o600 });
  const socket = path.join(dir, 'munge', 'munge.sock');
  const user = os.userInfo().username;
  const [ctldPort, slurmdPort] = [await freePort(), await freePort()];
  const conf = path.join(dir, 'slurm.conf');
  await fs.writeFile(
    conf,
    [
      'ClusterName=holoclip-test',
      'SlurmctldHost=localhost(127.0.0.1)',
      `SlurmctldPort=${ctldPort}`,
      `SlurmdPort=${slurmdPort}`,
      `SlurmUser=${user}`,
      `SlurmdUser=${user}`,
      'AuthType=auth/munge',
      'CredType=cred/munge',
      `AuthInfo=socket=${socket}`,
      `StateSaveLocation=${path.join(dir, 'state')}`,
      `SlurmdSpoolDir=${path.join(dir, 'spool')}`,
      `SlurmctldPidFile=${path.join(dir, 'slurmctld.pid')}`,
      `SlurmdPidFile=${path.join(dir, 'slurmd.pid')}`,
      `SlurmctldLogFile=${path.join(dir, 'log', 'slurmctld.log')}`,
      `SlurmdLogFile=${path.join(dir, 'log', 'slurmd.log')}`,
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_Core',
      'AccountingStorageType=accounting_storage/none',
      'JobAcctGatherType=jobacct_gather/none',
      'JobCompType=jobcomp/none',
      'MpiDefault=none',
      'ReturnToService=2',
      'SchedulerParameters=sched_interval=1',
      'InactiveLimit=0',
      'MinJobAge=600',
      'NodeName=localhost NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN',
      'PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP',
      '',
    ].join('\n'),
  );
  const env: NodeJS.ProcessEnv = { ...process.env, SLURM_CONF: conf };
  const children: ChildProcess[] = [];
  const daemon = (cmd: string, args: string[], log: string): void => {
    const out = fs.open(path.join(dir, 'log', log), 'w');
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    void out.then((fh) => {
      child.stdout?.on('data', (d: Buffer) => void fh.write(d));
      child.stderr?.on('data', (d: Buffer) => void fh.write(d));
      child.on('close', () => void fh.close());
    });
    children.push(child);
  };
  const diagnostics = async () => {
    const parts: string[] = [];
    for (const f of ['munged.out', 'slurmctld.out', 'slurmd.out']) {
      const file = path.join(dir, 'log', f);
      if (existsSync(file)) parts.push(`--- ${f}\n${(await fs.readFile(file, 'utf8')).split('\n').slice(-15).join('\n')}`);
    }
    return parts.join('\n');
  };
  const cluster: SlurmCluster = {
    dir,
    env,
    startSeconds: 0,
    stop: async () => {
      // Cancel whatever this cluster still runs, then end the daemons (munged last: slurm needs it to shut down).
      await run(p.scancel, ['--full', '--user', user], env);
      for (const child of [...children].reverse()) {
        if (child.exitCode !== null || child.signalCode !== null) continue;
        const exited = new Promise<void>((r) => child.once('close', () => r()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
  try {
    // -f: munged refuses to run as root or with a key in a world-readable folder otherwise.
    daemon(p.munged, ['-F', '-f', `--socket=${socket}`, `--key-file=${key}`, `--pid-file=${path.join(dir, 'munge', 'munged.pid')}`, `--seed-file=${path.join(dir, 'munge', 'munged.seed')}`, `--log-file=${path.join(dir, 'log', 'munged.log')}`], 'munged.out');
    await waitFor('munged did not create its socket', 15_000, async () => existsSync(socket), diagnostics);
    daemon(p.slurmctld, ['-D', '-i', '-f', conf], 'slurmctld.out');
    daemon(p.slurmd, ['-D', '-N', 'localhost', '-f', conf], 'slurmd.out');
    await waitFor('the node did not become idle', 30_000, async () => {
      const r = await run(p.sinfo, ['-h', '-o', '%T'], env);
      return r.code === 0 && /^idle/m.test(r.stdout);
    }, diagnostics);
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return { ...cluster, startSeconds: (performance.now() - t0) / 1000 };
}
