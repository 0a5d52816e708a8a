# surety_module(NAME SOURCES... DEPS ...) declares the library surety_NAME.
# Files ending in _test.cc are collected into the single test binary; the
# rest form the library. Headers include each other as "module/file.h".
set(SURETY_TEST_SOURCES "" CACHE INTERNAL "")
function(surety_module name)
  cmake_parse_arguments(M "" "" "SOURCES;TESTS;DEPS" ${ARGN})
  add_library(surety_${name} STATIC ${M_SOURCES})
  target_include_directories(surety_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(surety_${name} PUBLIC ${M_DEPS})
  set(tests "")
  foreach(t ${M_TESTS})
    list(APPEND tests ${CMAKE_CURRENT_SOURCE_DIR}/${t})
  endforeach()
  set(SURETY_TEST_SOURCES ${SURETY_TEST_SOURCES} ${tests} CACHE INTERNAL "")
endfunction()
