# Encodes a text-format TreatmentDefinition with protoc and writes it as a C
# source file holding a constant byte array. Run by clinic_add_treatment_plugin
# through `cmake -P`; protoc's messages point at the line of the text file that
# is wrong.
foreach(var PROTOC PROTO_DIR WKT_DIR INPUT OUTPUT SYMBOL)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "ClinicEmbedDefinition.cmake: ${var} is not set")
  endif()
endforeach()

set(binary "${OUTPUT}.bin")
execute_process(
  COMMAND "${PROTOC}" --encode=clinic.v1.TreatmentDefinition
          "-I${PROTO_DIR}" "-I${WKT_DIR}" clinic/v1/treatment.proto
  INPUT_FILE "${INPUT}"
  OUTPUT_FILE "${binary}"
  ERROR_VARIABLE errors
  RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "${INPUT} is not a valid clinic.v1.TreatmentDefinition:\n${errors}")
endif()

file(READ "${binary}" hex HEX)
string(LENGTH "${hex}" hex_length)
math(EXPR size "${hex_length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
# Twelve bytes a line keeps the generated file readable in a debugger.
string(REGEX REPLACE "((0x..,){12})" "\\1\n  " bytes "${bytes}")

set(entry "")
if(GENERATE_ENTRY)
  set(entry "\nCLINIC_TREATMENT_PLUGIN_FROM_BYTES(${SYMBOL}_definition, ${SYMBOL}_definition_size)\n")
endif()

file(WRITE "${OUTPUT}.tmp"
"/* Generated from ${INPUT} by ClinicEmbedDefinition.cmake; do not edit. */
#include <clinic/treatment_plugin.h>

/* One spare byte keeps the array non-empty when the definition is empty. */
const uint8_t ${SYMBOL}_definition[${size} + 1] = {
  ${bytes}0x00};
const size_t ${SYMBOL}_definition_size = ${size};
${entry}")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
file(REMOVE "${binary}")
