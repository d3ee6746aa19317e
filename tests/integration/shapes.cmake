# The deployment shapes driven from outside. The main path from Node.js
# (@grpc/grpc-js and @grpc/proto-loader loading proto/, as an internal tool
# would) against clinicd and against the four processes deploy/four-process.sh
# starts; its npm packages come from tests/node/package-lock.json (deploy/test.sh
# runs npm ci). And the README's demo, deploy/demo.sh, against clinicd.
foreach(shape clinicd four-process)
  add_test(NAME node_main_path_${shape}
    COMMAND bash ${PROJECT_SOURCE_DIR}/tests/tools/shape_test.sh ${shape} ${CMAKE_BINARY_DIR})
  set_tests_properties(node_main_path_${shape} PROPERTIES TIMEOUT 180 LABELS process)
endforeach()
add_test(NAME readme_demo_test
  COMMAND bash ${PROJECT_SOURCE_DIR}/tests/tools/shape_test.sh demo ${CMAKE_BINARY_DIR})
set_tests_properties(readme_demo_test PROPERTIES TIMEOUT 180 LABELS process)
