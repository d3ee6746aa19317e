# clinic_add_treatment_plugin(<target> DEFINITION <file.textproto> [SOURCES <src>...])
#
# Builds a treatment plugin: a shared library whose definition is the given
# text-format clinic.v1.TreatmentDefinition, encoded with protoc at build time
# and embedded as a constant byte array. A plugin built this way needs no
# protobuf library at run time. Without SOURCES the entry symbol is generated;
# with SOURCES, one of them must define it (see CLINIC_TREATMENT_PLUGIN_FROM_BYTES
# in clinic/treatment_plugin.h); the bytes are then available as
# <target>_definition and <target>_definition_size.
#
# Expects CLINIC_PLUGIN_SDK_PROTO_DIR (the folder holding clinic/v1/*.proto),
# CLINIC_PLUGIN_SDK_EMBED_SCRIPT and the target ClinicPluginSDK::sdk; the SDK's
# package configuration sets them.
function(clinic_add_treatment_plugin target)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "DEFINITION" "SOURCES")
  if(NOT ARG_DEFINITION)
    message(FATAL_ERROR "clinic_add_treatment_plugin(${target}): DEFINITION is required")
  endif()
  get_filename_component(definition "${ARG_DEFINITION}" ABSOLUTE)
  if(NOT TARGET protobuf::protoc)
    find_package(Protobuf REQUIRED)
  endif()
  find_path(CLINIC_PLUGIN_SDK_WKT_DIR google/protobuf/duration.proto
            HINTS ${Protobuf_INCLUDE_DIRS} /usr/include /usr/local/include)
  set(symbol "${target}")
  string(MAKE_C_IDENTIFIER "${symbol}" symbol)
  set(embedded "${CMAKE_CURRENT_BINARY_DIR}/${target}_definition.c")
  file(GLOB sdk_protos "${CLINIC_PLUGIN_SDK_PROTO_DIR}/clinic/v1/*.proto")
  add_custom_command(
    OUTPUT "${embedded}"
    COMMAND "${CMAKE_COMMAND}"
            "-DPROTOC=$<TARGET_FILE:protobuf::protoc>"
            "-DPROTO_DIR=${CLINIC_PLUGIN_SDK_PROTO_DIR}"
            "-DWKT_DIR=${CLINIC_PLUGIN_SDK_WKT_DIR}"
            "-DINPUT=${definition}"
            "-DOUTPUT=${embedded}"
            "-DSYMBOL=${symbol}"
            "-DGENERATE_ENTRY=$<IF:$<BOOL:${ARG_SOURCES}>,OFF,ON>"
            -P "${CLINIC_PLUGIN_SDK_EMBED_SCRIPT}"
    DEPENDS "${definition}" "${CLINIC_PLUGIN_SDK_EMBED_SCRIPT}" ${sdk_protos}
    COMMENT "Encoding treatment definition ${ARG_DEFINITION}"
    VERBATIM)
  add_library(${target} MODULE "${embedded}" ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE ClinicPluginSDK::sdk)
  # Only the entry symbol is exported, so plugins cannot clash with each other
  # or with the host.
  set_target_properties(${target} PROPERTIES
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    PREFIX "")
endfunction()
