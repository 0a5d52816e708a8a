# surety_module(NAME SOURCES... DEPS ...) declares the library surety_NAME.
# Every *_test.cc beside the sources is collected into the single test
# binary. Headers include each other as "module/file.h".
set(SURETY_TEST_SOURCES "" CACHE INTERNAL "")
function(surety_module name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS" ${ARGN})
  add_library(surety_${name} STATIC ${M_SOURCES})
  target_include_directories(surety_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(surety_${name} PUBLIC ${M_DEPS})
  file(GLOB tests CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*_test.cc)
  set(SURETY_TEST_SOURCES ${SURETY_TEST_SOURCES} ${tests} CACHE INTERNAL "")
endfunction()
