clinic_add_test(core_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/core_test.cc
  LIBS clinic_core clinic_server)
