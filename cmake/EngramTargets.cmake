# Targets register themselves: a backend's CMakeLists.txt calls
#
#   engram_add_target(cpu REGISTER registerCpuTarget SOURCES CpuTarget.cpp
#                     LINK EngramCpuBackend)
#
# which builds the library EngramTarget_cpu and records its registration
# function (`void engram::registerCpuTarget()`); after every backend,
# engram_generate_all_targets() writes compiler/AllTargets.cpp, whose
# engram::compiler::registerAllTargets() calls them all, into the library
# EngramAllTargets that the tools link. No file outside a backend's folder
# names it.

function(engram_add_target name)
  cmake_parse_arguments(ARG "" "REGISTER" "SOURCES;LINK" ${ARGN})
  if(NOT ARG_REGISTER OR NOT ARG_SOURCES)
    message(FATAL_ERROR "engram_add_target(${name}) needs REGISTER and SOURCES")
  endif()
  add_library(EngramTarget_${name} ${ARG_SOURCES})
  target_link_libraries(EngramTarget_${name} PUBLIC EngramCompiler ${ARG_LINK})
  set_property(GLOBAL APPEND PROPERTY ENGRAM_TARGET_LIBRARIES EngramTarget_${name})
  set_property(GLOBAL APPEND PROPERTY ENGRAM_TARGET_REGISTRATIONS ${ARG_REGISTER})
endfunction()

function(engram_generate_all_targets)
  get_property(libraries GLOBAL PROPERTY ENGRAM_TARGET_LIBRARIES)
  get_property(functions GLOBAL PROPERTY ENGRAM_TARGET_REGISTRATIONS)
  set(ENGRAM_TARGET_DECLARATIONS "")
  set(ENGRAM_TARGET_CALLS "")
  foreach(function ${functions})
    string(APPEND ENGRAM_TARGET_DECLARATIONS "void ${function}();\n")
    string(APPEND ENGRAM_TARGET_CALLS "  ::engram::${function}();\n")
  endforeach()
  configure_file(${CMAKE_SOURCE_DIR}/compiler/AllTargets.cpp.in
                 ${CMAKE_BINARY_DIR}/compiler/AllTargets.cpp @ONLY)
  add_library(EngramAllTargets ${CMAKE_BINARY_DIR}/compiler/AllTargets.cpp)
  target_link_libraries(EngramAllTargets PUBLIC EngramCompiler ${libraries})
endfunction()
