# The main path driven from Node.js (@grpc/grpc-js, @grpc/proto-loader,
# loading proto/ as any internal tool would) against both deployment shapes:
# clinicd, and the four processes deploy/four-process.sh starts. The npm
# packages come from tests/node/package-lock.json (deploy/test.sh runs npm ci).
foreach(shape clinicd four-process)
  add_test(NAME node_main_path_${shape}
    COMMAND bash ${PROJECT_SOURCE_DIR}/tests/node/run_shape.sh ${shape} ${CMAKE_BINARY_DIR})
  set_tests_properties(node_main_path_${shape} PROPERTIES TIMEOUT 180 LABELS process)
endforeach()
