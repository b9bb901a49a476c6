// A string as one word of a POSIX shell command line, for commands latchkey
// prints for people to copy (the join instructions of `latchkey serve`, the
// approval command of an interactive login): unchanged when it needs no
// quoting, otherwise in single quotes (a ' inside becomes '\'').
#pragma once

#include <string>
#include <string_view>

namespace latchkey {

std::string shell_word(std::string_view text);

}  // namespace latchkey
