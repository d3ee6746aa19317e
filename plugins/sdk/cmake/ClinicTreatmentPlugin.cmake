# clinic_add_treatment_plugin(<target> DEFINITION <file.textproto>
#                             [BASES <base>...] [OMIT <id>...] [SOURCES <src>...]
#                             [NO_CHECK])
#
# Builds a treatment plugin: a shared library whose definition is the given
# text-format clinic.v1.TreatmentDefinition, encoded with protoc at build time
# and embedded as a constant byte array. A plugin built this way needs no
# protobuf library at run time. Without SOURCES the entry symbol is generated;
# with SOURCES, one of them must define it (see CLINIC_TREATMENT_PLUGIN_FROM_BYTES
# in clinic/treatment_plugin.h); the bytes are then available as
# <target>_definition and <target>_definition_size.
#
# BASES are definition fragments the definition builds on, such as the SDK's
# skin_needling: screening questions, contraindication rules and aftercare
# shared by a family of treatments. A name without a slash or extension is a
# base shipped with the SDK (${CLINIC_PLUGIN_SDK_BASE_DIR}/<name>.textproto);
# anything else is a file, relative to the calling CMakeLists.txt. Each file is
# encoded on its own and the encodings are concatenated, bases first in the
# order given, which protobuf reads as one message whose lists hold the bases'
# entries followed by the definition's own. The plugin's ABI and what the host
# receives are exactly as if everything were written in one file.
#
# OMIT lists ids of base entries (questions, rules or aftercare with that id)
# the definition leaves out, usually to declare a stricter or different
# version under the same id. Every id must match something in a base. Any
# other id the definition shares with a base fails the build, naming the base.
#
# The build then checks the definition, bases merged, as a server will check
# the plugin (clinic-plugin-check on the text files): a definition the server
# would refuse fails the build, with each problem at the file:line:column of
# its field, and warnings are printed. A plugin with SOURCES is not checked
# at build time, because its code may change the definition; NO_CHECK skips
# the check too, for a plugin meant to be refused (a test of the host).
# The file is named <target>.so: name the target after the treatment type's
# id, so the plugin folder reads as the list of treatment types.
#
# Expects CLINIC_PLUGIN_SDK_PROTO_DIR (the folder holding clinic/v1/*.proto),
# CLINIC_PLUGIN_SDK_BASE_DIR, CLINIC_PLUGIN_SDK_EMBED_SCRIPT and the target
# ClinicPluginSDK::sdk, and, for the check, CLINIC_PLUGIN_SDK_CHECKER (the
# program, and CLINIC_PLUGIN_SDK_CHECKER_DEPENDS if it is built alongside);
# the SDK's package configuration sets them.
function(clinic_add_treatment_plugin target)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "NO_CHECK" "DEFINITION" "SOURCES;BASES;OMIT")
  if(NOT ARG_DEFINITION)
    message(FATAL_ERROR "clinic_add_treatment_plugin(${target}): DEFINITION is required")
  endif()
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR
      "clinic_add_treatment_plugin(${target}): unexpected arguments: ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(ARG_OMIT AND NOT ARG_BASES)
    message(FATAL_ERROR
      "clinic_add_treatment_plugin(${target}): OMIT leaves out entries of BASES, and none are given")
  endif()
  get_filename_component(definition "${ARG_DEFINITION}" ABSOLUTE)

  # Resolved now, so a misspelt base fails when the project is configured.
  set(bases "")
  foreach(base IN LISTS ARG_BASES)
    if(base MATCHES "^[a-z][a-z0-9_]*$")
      set(file "${CLINIC_PLUGIN_SDK_BASE_DIR}/${base}.textproto")
      if(NOT EXISTS "${file}")
        file(GLOB known RELATIVE "${CLINIC_PLUGIN_SDK_BASE_DIR}"
             "${CLINIC_PLUGIN_SDK_BASE_DIR}/*.textproto")
        string(REPLACE ".textproto" "" known "${known}")
        string(REPLACE ";" ", " known "${known}")
        message(FATAL_ERROR "clinic_add_treatment_plugin(${target}): BASES names '${base}', "
                            "which the SDK does not ship (it ships: ${known}); "
                            "name a file by its path to use your own base")
      endif()
    else()
      get_filename_component(file "${base}" ABSOLUTE)
      if(NOT EXISTS "${file}")
        message(FATAL_ERROR
          "clinic_add_treatment_plugin(${target}): base file ${base} does not exist")
      endif()
    endif()
    list(APPEND bases "${file}")
  endforeach()
  # A list cannot cross the command line as one -D value; '|' cannot occur in
  # an id and hardly in a path.
  string(REPLACE ";" "|" bases_arg "${bases}")
  string(REPLACE ";" "|" omit_arg "${ARG_OMIT}")

  if(NOT TARGET protobuf::protoc)
    find_package(Protobuf REQUIRED)
  endif()
  find_path(CLINIC_PLUGIN_SDK_WKT_DIR google/protobuf/duration.proto
            HINTS ${Protobuf_INCLUDE_DIRS} /usr/include /usr/local/include)
  set(checker "")
  set(checker_depends "")
  if(CLINIC_PLUGIN_SDK_CHECKER AND NOT ARG_NO_CHECK AND NOT ARG_SOURCES)
    set(checker "${CLINIC_PLUGIN_SDK_CHECKER}")
    set(checker_depends ${CLINIC_PLUGIN_SDK_CHECKER_DEPENDS})
  endif()
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
            "-DBASES=${bases_arg}"
            "-DOMIT=${omit_arg}"
            "-DOUTPUT=${embedded}"
            "-DSYMBOL=${symbol}"
            "-DGENERATE_ENTRY=$<IF:$<BOOL:${ARG_SOURCES}>,OFF,ON>"
            "-DCHECKER=${checker}"
            -P "${CLINIC_PLUGIN_SDK_EMBED_SCRIPT}"
    DEPENDS "${definition}" ${bases} "${CLINIC_PLUGIN_SDK_EMBED_SCRIPT}" ${sdk_protos}
            ${checker_depends}
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
