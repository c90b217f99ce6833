# SPDX-License-Identifier: GPL-2.0-only
# The C code block under HEADING in the page DOC must be the file EXAMPLE, byte
# for byte, so the example a reader copies is the one ctest compiles and runs.
file(READ ${DOC} doc)
file(READ ${EXAMPLE} example)
# The file's licence line is not part of the page's text.
string(REGEX REPLACE "^/\\* SPDX-License-Identifier:[^\n]*\n" "" example "${example}")
string(FIND "${doc}" "${HEADING}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "${DOC} has no heading '${HEADING}'")
endif()
string(SUBSTRING "${doc}" ${at} -1 section)
string(FIND "${section}" "```c\n" open)
if(open EQUAL -1)
  message(FATAL_ERROR "no ```c block under '${HEADING}' in ${DOC}")
endif()
math(EXPR open "${open} + 5")
string(SUBSTRING "${section}" ${open} -1 section)
string(FIND "${section}" "```" close)
string(SUBSTRING "${section}" 0 ${close} block)
if(NOT block STREQUAL example)
  message(FATAL_ERROR "the block under '${HEADING}' in ${DOC} differs from ${EXAMPLE}")
endif()
