clinic_add_test(core_test LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/core_test.cc
  LIBS clinic_core clinic_server)
clinic_add_test(text_test LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/text_test.cc
  LIBS clinic_core)
clinic_add_test(time_test LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/time_test.cc
  LIBS clinic_core)
clinic_add_test(resource_name_test LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/resource_name_test.cc
  LIBS clinic_core clinic_storage)
clinic_add_test(hash_test LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/hash_test.cc
  LIBS clinic_hash)
clinic_add_test(event_feed_test LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/event_feed_test.cc
  LIBS clinic_core)
