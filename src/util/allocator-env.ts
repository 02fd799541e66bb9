/**
 * glibc's malloc tunables for holoclip's processes. bin/holoclip.js sets them (unless GLIBC_TUNABLES is already set)
 * when it runs as a program, and the Slurm and Kubernetes job scripts set them the same way: buffers under 8 MiB (a
 * decoded image, libvips' regions) stay in malloc's heap instead of a fresh mmap each time, and up to 64 MiB of
 * free heap stays before it is returned to the system. Decoding and preprocessing a 500x375 JPEG takes about a
 * fifth less CPU (docs/performance.md "Malloc tunables"); no figure changes. Other C libraries ignore the variable.
 * test/malloc-tunables.test.ts checks that bin/holoclip.js and package.json's bench script carry this same value.
 */
export const HOLOCLIP_GLIBC_TUNABLES = 'glibc.malloc.mmap_threshold=8388608:glibc.malloc.trim_threshold=67108864';

/** A POSIX shell line that sets GLIBC_TUNABLES to holoclip's value unless it is already set (empty turns it off). */
export function glibcTunablesShellLine(): string {
  return `export GLIBC_TUNABLES="\${GLIBC_TUNABLES-${HOLOCLIP_GLIBC_TUNABLES}}"`;
}
