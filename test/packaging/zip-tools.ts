import { spawnSync } from 'node:child_process';

/** Tools on this machine that test a ZIP file on their own: Info-ZIP's unzip and Python's zipfile. */
export function externalZipTesters(): {
  name: string;
  test: (file: string) => { ok: boolean; output: string };
}[] {
  const run = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
  };
  const testers = [];
  if (spawnSync('unzip', ['-v'], { encoding: 'utf8' }).status === 0) {
    testers.push({ name: 'unzip -t', test: (file: string) => run('unzip', ['-t', file]) });
  }
  if (spawnSync('python3', ['--version'], { encoding: 'utf8' }).status === 0) {
    testers.push({
      name: 'python3 -m zipfile -t',
      test: (file: string) => run('python3', ['-m', 'zipfile', '-t', file]),
    });
  }
  return testers;
}
