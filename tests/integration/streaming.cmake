# Server-streaming RPCs through the service kit: a test-only service
# (ticker.proto, package clinic.streamtest.v1) on a real server on loopback.
# The proto's generated code has a library of its own, so the strict
# warnings apply to the test's sources only.
set(clinic_ticker_gen ${CMAKE_CURRENT_BINARY_DIR}/generated/ticker)
file(MAKE_DIRECTORY ${clinic_ticker_gen})
add_library(clinic_ticker_proto STATIC)
protobuf_generate(TARGET clinic_ticker_proto LANGUAGE cpp
  PROTOS ${CMAKE_CURRENT_LIST_DIR}/ticker.proto
  IMPORT_DIRS ${CLINIC_PROTO_DIR}
  PROTOC_OUT_DIR ${clinic_ticker_gen})
protobuf_generate(TARGET clinic_ticker_proto LANGUAGE grpc
  PROTOS ${CMAKE_CURRENT_LIST_DIR}/ticker.proto
  GENERATE_EXTENSIONS .grpc.pb.h .grpc.pb.cc
  PLUGIN "protoc-gen-grpc=$<TARGET_FILE:gRPC::grpc_cpp_plugin>"
  IMPORT_DIRS ${CLINIC_PROTO_DIR}
  PROTOC_OUT_DIR ${clinic_ticker_gen})
target_include_directories(clinic_ticker_proto SYSTEM PUBLIC ${clinic_ticker_gen})
target_link_libraries(clinic_ticker_proto PUBLIC clinic_proto_messages gRPC::grpc++)

clinic_add_test(stream_kit_test LABEL integration
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/stream_kit_test.cc
  LIBS clinic_ticker_proto clinic_server clinic_testing clinic_testing_access clinic_testing_rpc)
add_dependencies(stream_kit_test clinic-plugin-probe)
