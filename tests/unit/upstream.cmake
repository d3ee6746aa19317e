# Unit tests of common/server/upstream.h.
clinic_add_test(upstream_test LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/upstream_test.cc
  LIBS clinic_server clinic_testing)
