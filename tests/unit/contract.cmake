clinic_add_test(contract_test LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/contract_test.cc
  LIBS clinic_proto_messages absl::strings)
clinic_link_whole_contracts(contract_test)
