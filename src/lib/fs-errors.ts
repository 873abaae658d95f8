// Node's file-system errors in plain words. Node says "ENOTDIR: not a directory, mkdir
// 'out/x'"; a user needs to hear which path, what is wrong with it and what to do. Every
// command's failures go through `describeFsError`, so one table serves them all.

/** What an error code means for a path, and what to do about it. */
const REASONS: Readonly<Record<string, readonly [what: string, todo: string]>> = {
  ENOENT: ['does not exist', 'check the path'],
  ENOTDIR: ['a part of the path is not a folder', 'choose a path whose folders are folders'],
  EEXIST: ['already exists', 'choose another path, or move what is there out of the way'],
  EISDIR: ['is a folder, not a file', 'give the path of a file'],
  ENOTEMPTY: ['is a folder that is not empty', 'choose another path, or move the folder out of the way'],
  EACCES: ['permission denied', 'choose a location you can use, or change its permissions'],
  EPERM: ['operation not permitted', 'choose a location you can use, or change its permissions'],
  EROFS: ['is on a read-only file system', 'choose a writable location'],
  ENOSPC: ['no space left on the device', 'free some space, or choose another disk'],
  EDQUOT: ['the disk quota is exhausted', 'free some space, or choose another disk'],
  EFBIG: ['the file would be larger than the file system allows', 'choose another disk'],
  ENAMETOOLONG: ['the path or one of its names is too long', 'choose a shorter path'],
  ELOOP: ['has too many levels of symbolic links (a link that points to itself?)', 'fix the link, or give the real path'],
  EMFILE: ['too many files are open in this process', 'raise the limit (ulimit -n) and try again'],
  ENFILE: ['too many files are open on this system', 'close other programs and try again'],
  EBUSY: ['is busy (in use by the system or another program)', 'try again later, or choose another path'],
  ETXTBSY: ['is a program that is running', 'choose another path'],
  EXDEV: ['cannot be moved across file systems', 'choose a location on the same disk'],
  EIO: ['the device reported an input/output error', 'check the disk'],
  ENXIO: ['is a socket or a device that is not there', 'give the path of a regular file'],
  ENODEV: ['is on a device that does not support this', 'choose an ordinary folder'],
  EOPNOTSUPP: ['is on a file system that does not support this', 'choose an ordinary folder'],
  ENOTSUP: ['is on a file system that does not support this', 'choose an ordinary folder'],
  EINVAL: ['the system refused this as invalid for that path (a special file system such as /proc or /sys?)', 'choose an ordinary folder'],
  ESPIPE: ['is a pipe or socket, not a file', 'give the path of a regular file'],
  EAGAIN: ['is not ready to be read (a pipe or device?)', 'give the path of a regular file'],
};

/** What the failed call was doing, as a verb phrase for "cannot <verb> <path>". */
const VERBS: Readonly<Record<string, string>> = {
  open: 'open',
  read: 'read',
  write: 'write',
  mkdir: 'create the folder',
  rmdir: 'remove the folder',
  scandir: 'list the folder',
  opendir: 'list the folder',
  rename: 'write',
  unlink: 'remove',
  stat: 'use',
  lstat: 'use',
  fstat: 'use',
  access: 'use',
  fsync: 'write',
  copyfile: 'copy to',
  symlink: 'create the link',
  chmod: 'change the permissions of',
};

/** A Node system error (fs, net, child_process): it has a string `code` like 'ENOENT'. */
export interface SystemError extends Error {
  code: string;
  syscall?: string;
  path?: string;
  dest?: string;
}

export function isSystemError(error: unknown): error is SystemError {
  const code: unknown = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code);
}

/** Temp files of atomic writes are `.name.<pid>.<hex>.tmp`; messages name the file being written instead. */
function userPath(path: string): string {
  const match = /^(.*?)\.([^/\\]+)\.\d+\.[0-9a-f]+\.tmp$/.exec(path);
  if (!match) return path;
  const [, dir = '', base = ''] = match;
  return /[/\\]$/.test(dir) || dir === '' ? `${dir}${base}` : path;
}

/** Plain words for a code, e.g. ['does not exist', 'check the path']; undefined for codes outside the table. */
export function fsReason(code: string): readonly [string, string] | undefined {
  return REASONS[code];
}

/**
 * One line for a system error: "cannot create the folder out/x: a part of the path is not
 * a folder (ENOTDIR); choose a path whose folders are folders". Undefined for errors that
 * are not system errors, or whose code the table does not know.
 */
export function describeFsError(error: unknown): string | undefined {
  if (!isSystemError(error)) return undefined;
  const reason = REASONS[error.code];
  if (!reason) return undefined;
  // mkdir's EEXIST: something that is not a folder is where a folder is needed.
  const [what, todo] = error.code === 'EEXIST' && error.syscall === 'mkdir' ? (['already exists and is not a folder', reason[1]] as const) : reason;
  // A rename names its source (our temp file) first; the user cares about where it was going.
  const raw = error.syscall === 'rename' && error.dest ? error.dest : error.path;
  const verb = VERBS[error.syscall ?? ''] ?? 'use';
  const subject = raw === undefined ? '' : ` ${userPath(raw)}`;
  return `cannot ${verb}${subject}: ${what} (${error.code}); ${todo}`;
}
