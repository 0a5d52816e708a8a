# surety_module(NAME DEPS ...) declares the library surety_NAME from every
# *.cc in the current directory; every *_test.cc beside them goes into the
# single test binary instead. Headers include each other as "module/file.h".
set(SURETY_TEST_SOURCES "" CACHE INTERNAL "")
function(surety_module name)
  cmake_parse_arguments(M "" "" "DEPS" ${ARGN})
  file(GLOB all_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cc)
  file(GLOB tests CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*_test.cc)
  set(sources ${all_sources})
  if(tests)
    list(REMOVE_ITEM sources ${tests})
  endif()
  list(FILTER sources EXCLUDE REGEX "/main\\.cc$")
  if(sources)
    add_library(surety_${name} STATIC ${sources})
    target_include_directories(surety_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(surety_${name} PUBLIC ${M_DEPS})
  else()  # a module whose sources are all headers so far
    add_library(surety_${name} INTERFACE)
    target_include_directories(surety_${name} INTERFACE ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(surety_${name} INTERFACE ${M_DEPS})
  endif()
  set(SURETY_TEST_SOURCES ${SURETY_TEST_SOURCES} ${tests} CACHE INTERNAL "")
endfunction()
