// actsim: node:tty. An action has no terminal: `isatty` is false for every descriptor, as Node
// answers when its output goes to a pipe or a log, and the stream classes exist (packages test
// `instanceof tty.WriteStream`) but cannot be made, as Node refuses them on a descriptor that
// is not a terminal.
'use strict';

function isatty(fd) {
  void fd;
  return false;
}
function notATerminal() {
  const e = new Error('TTY initialization failed: uv_tty_init returned EINVAL (invalid argument)');
  e.code = 'ERR_TTY_INIT_FAILED';
  e.name = 'SystemError';
  return e;
}
class ReadStream {
  constructor(fd) {
    void fd;
    throw notATerminal();
  }
}
class WriteStream {
  constructor(fd) {
    void fd;
    throw notATerminal();
  }
}
module.exports = { isatty, ReadStream, WriteStream };
