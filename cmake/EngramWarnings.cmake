# EngramWarnings.cmake - warnings, sanitizers and fuzzing for engram's own code.
#
#   ENGRAM_WERROR=ON          -Werror on top of -Wall -Wextra (CI and setup.sh)
#   ENGRAM_SANITIZE=address;undefined
#                             ASan + UBSan, every UBSan report fatal
#                             (scripts/sanitize.sh); or thread for TSan
#   ENGRAM_FUZZ=ON            the libFuzzer targets of test/fuzz
#                             (scripts/fuzz.sh), instrumented for coverage
#
# Third-party headers are system includes, so their warnings stay theirs;
# generated sources (.inc, .pb.cc) get their few -Wno- flags where they are
# compiled.
option(ENGRAM_WERROR "Treat compiler warnings as errors" OFF)
set(ENGRAM_SANITIZE "" CACHE STRING
    "Sanitizers to build with: address;undefined, thread, or empty")
option(ENGRAM_FUZZ "Build the libFuzzer targets (test/fuzz)" OFF)

set(ENGRAM_WARNING_FLAGS -Wall -Wextra)
if(ENGRAM_WERROR)
  list(APPEND ENGRAM_WARNING_FLAGS -Werror)
endif()
add_compile_options(${ENGRAM_WARNING_FLAGS})

if(ENGRAM_SANITIZE)
  list(JOIN ENGRAM_SANITIZE "," engram_sanitizers)
  set(engram_sanitize_flags -fsanitize=${engram_sanitizers}
      -fno-omit-frame-pointer -g -O1)
  if("undefined" IN_LIST ENGRAM_SANITIZE)
    list(APPEND engram_sanitize_flags -fno-sanitize-recover=undefined)
  endif()
  add_compile_options(${engram_sanitize_flags})
  add_link_options(-fsanitize=${engram_sanitizers})
endif()

if(ENGRAM_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "ENGRAM_FUZZ needs clang (libFuzzer)")
  endif()
  # Coverage for libFuzzer in every engram library; the targets link the
  # fuzzer's main themselves.
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
