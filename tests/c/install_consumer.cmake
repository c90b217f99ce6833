# ctest script: install PageAlloc to a temporary prefix, then build and run
# samples/c against it with find_package and with pkg-config.
# -DBUILD_DIR=... -DSOURCE_DIR=... -DWORK_DIR=...
file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  message(STATUS "${out}")
endfunction()

run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
foreach(f include/pagealloc/pagealloc.h lib/libpagealloc.so lib/libpagealloc.so.0
          lib/cmake/PageAlloc/PageAllocConfig.cmake lib/cmake/PageAlloc/PageAllocConfigVersion.cmake
          lib/pkgconfig/pagealloc.pc)
  if(NOT EXISTS ${prefix}/${f})
    message(FATAL_ERROR "not installed: ${f}")
  endif()
endforeach()

# find_package
run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/samples/c -B ${WORK_DIR}/cmake-build -DCMAKE_PREFIX_PATH=${prefix}
    -DCMAKE_BUILD_RPATH=${prefix}/lib)
run(${CMAKE_COMMAND} --build ${WORK_DIR}/cmake-build)
run(${WORK_DIR}/cmake-build/pagealloc-sample)

# pkg-config
find_program(PKG_CONFIG pkg-config pkgconf REQUIRED)
execute_process(COMMAND ${CMAKE_COMMAND} -E env PKG_CONFIG_PATH=${prefix}/lib/pkgconfig
                ${PKG_CONFIG} --cflags --libs pagealloc
                OUTPUT_VARIABLE flags OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "pkg-config does not find pagealloc")
endif()
separate_arguments(flags UNIX_COMMAND "${flags}")
run(cc -std=c11 -Wall -Wextra -o ${WORK_DIR}/pagealloc-sample-pc ${SOURCE_DIR}/samples/c/main.c ${flags}
    -Wl,-rpath,${prefix}/lib)
run(${WORK_DIR}/pagealloc-sample-pc)
