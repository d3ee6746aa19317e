# Encodes a text-format TreatmentDefinition with protoc and writes it as a C
# source file holding a constant byte array. Run by clinic_add_treatment_plugin
# through `cmake -P`.
#
# With BASES ('|'-separated files), each base and the definition are encoded
# separately and the encodings concatenated, bases first: protobuf reads
# concatenated messages as one, with repeated fields appended, so the plugin
# declares the bases' questions, rules and aftercare followed by its own.
# Encoding each file on its own keeps protoc's line:column messages pointing
# into the file that is wrong. Before concatenating, this script checks what
# protoc cannot: a base declares only screening questions, contraindication
# rules and aftercare; no id is declared twice across the files; and every id
# in OMIT ('|'-separated) names a base entry, which is then left out.
#
# With CHECKER (clinic-plugin-check), the text files are then checked as the
# host will check the plugin: a definition the host would refuse fails the
# build, and every problem and warning is printed at the file:line:column of
# the field, on a line of its own, as compilers print theirs. So is a
# text-format mistake protoc finds.
cmake_minimum_required(VERSION 3.25)
foreach(var PROTOC PROTO_DIR WKT_DIR INPUT OUTPUT SYMBOL)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "ClinicEmbedDefinition.cmake: ${var} is not set")
  endif()
endforeach()
string(REPLACE "|" ";" bases "${BASES}")
string(REPLACE "|" ";" omit "${OMIT}")

set(protoc_args "-I${PROTO_DIR}" "-I${WKT_DIR}" clinic/v1/treatment.proto)
# Intermediate encodings, removed whether the step succeeds or fails.
set(work "${OUTPUT}.d")
file(REMOVE_RECURSE "${work}")
file(MAKE_DIRECTORY "${work}")

# message(FATAL_ERROR) that first removes the intermediate files. Reads its
# arguments one by one: a semicolon inside one must survive.
function(clinic_fail)
  file(REMOVE_RECURSE "${work}")
  set(text "")
  math(EXPR last "${ARGC} - 1")
  foreach(i RANGE ${last})
    string(APPEND text "${ARGV${i}}")
  endforeach()
  message(FATAL_ERROR "${text}")
endfunction()

# Prints `text` as it is, each line on its own, where message(FATAL_ERROR)
# would indent and wrap it: "file:LINE:COLUMN: ..." must start a line for an
# editor to jump to it.
function(clinic_print text)
  string(REGEX REPLACE "\n+$" "" text "${text}")
  message(NOTICE "${text}")
endfunction()

# Encodes text file `file` into `binary`; fails with protoc's messages, which
# say "input:LINE:COLUMN", rewritten to name the file.
function(clinic_encode file binary)
  execute_process(
    COMMAND "${PROTOC}" --encode=clinic.v1.TreatmentDefinition ${protoc_args}
    INPUT_FILE "${file}"
    OUTPUT_FILE "${binary}"
    ERROR_VARIABLE errors
    RESULT_VARIABLE result)
  if(NOT result EQUAL 0)
    string(REGEX REPLACE "(^|\n)input:" "\\1${file}:" errors "${errors}")
    clinic_print("${errors}")
    clinic_fail("${file} is not a valid clinic.v1.TreatmentDefinition (see above)")
  endif()
endfunction()

# The canonical text of an encoded definition: fields in number order, two
# spaces of indentation per level, an id first in each entry. The checks
# below read that layout, never the author's own formatting. Starts with a
# newline so every line, the first included, follows one.
function(clinic_decode binary out_var)
  execute_process(
    COMMAND "${PROTOC}" --decode=clinic.v1.TreatmentDefinition ${protoc_args}
    INPUT_FILE "${binary}"
    OUTPUT_VARIABLE text
    ERROR_VARIABLE errors
    RESULT_VARIABLE result)
  if(NOT result EQUAL 0)
    clinic_fail("ClinicEmbedDefinition.cmake: protoc cannot decode ${binary}:\n${errors}")
  endif()
  set(${out_var} "\n${text}" PARENT_SCOPE)
endfunction()

# The entries a base may hold, as "<indentation><field>" in canonical text:
# the repeated fields the definition's lists are made of.
set(entry_kinds "screening_questions" "contraindications" "  aftercare")

# Sets out_var to the ids declared in `text` by entries of `kind`, each as
# "<kind>=<id>".
function(clinic_ids text kind out_var)
  string(LENGTH "${kind}" indent)
  string(STRIP "${kind}" field)
  string(LENGTH "${field}" field_length)
  math(EXPR indent "${indent} - ${field_length}")
  string(REPEAT " " ${indent} outer)
  string(REPEAT " " ${indent} inner)
  string(APPEND inner "  ")
  string(REGEX MATCHALL "\n${outer}${field} {\n${inner}id: \"[^\"\n;|]*\"" found "${text}")
  set(ids "")
  foreach(entry IN LISTS found)
    string(REGEX REPLACE ".*id: \"([^\"]*)\"$" "\\1" id "${entry}")
    list(APPEND ids "${field}=${id}")
  endforeach()
  set(${out_var} "${ids}" PARENT_SCOPE)
endfunction()

# Removes from `text_var` every entry of `kind` whose id is `id`, or every
# entry of `kind` when `id` is empty; sets removed_var to how many.
function(clinic_remove text_var kind id removed_var)
  set(text "${${text_var}}")
  string(LENGTH "${kind}" indent)
  string(STRIP "${kind}" field)
  string(LENGTH "${field}" field_length)
  math(EXPR indent "${indent} - ${field_length}")
  string(REPEAT " " ${indent} outer)
  set(head "\n${outer}${field} {\n")
  if(NOT id STREQUAL "")
    string(APPEND head "${outer}  id: \"${id}\"\n")
  endif()
  set(tail "\n${outer}}\n")
  string(LENGTH "${tail}" tail_length)
  set(removed 0)
  while(TRUE)
    string(FIND "${text}" "${head}" start)
    if(start EQUAL -1)
      break()
    endif()
    string(SUBSTRING "${text}" ${start} -1 rest)
    string(FIND "${rest}" "${tail}" end)
    if(end EQUAL -1)
      clinic_fail("ClinicEmbedDefinition.cmake: an entry of ${field} has no end in protoc's output")
    endif()
    # Up to the closing brace; the newline after it stays and starts the
    # next line.
    math(EXPR after "${start} + ${end} + ${tail_length} - 1")
    string(SUBSTRING "${text}" 0 ${start} before)
    string(SUBSTRING "${text}" ${after} -1 rest)
    set(text "${before}${rest}")
    math(EXPR removed "${removed} + 1")
  endwhile()
  set(${text_var} "${text}" PARENT_SCOPE)
  set(${removed_var} ${removed} PARENT_SCOPE)
endfunction()

# The definition itself.
clinic_encode("${INPUT}" "${work}/definition.bin")
set(definition_ids "")
if(bases)
  clinic_decode("${work}/definition.bin" definition_text)
  foreach(kind IN LISTS entry_kinds)
    clinic_ids("${definition_text}" "${kind}" ids)
    list(APPEND definition_ids ${ids})
  endforeach()
endif()

# The bases, in order. base_ids holds "<field>=<id>" with a parallel list of
# the file that declared it.
set(base_ids "")
set(base_owners "")
set(omit_found "")
set(binaries "")
set(index 0)
foreach(base IN LISTS bases)
  set(binary "${work}/base${index}.bin")
  math(EXPR index "${index} + 1")
  clinic_encode("${base}" "${binary}")
  clinic_decode("${binary}" text)

  # Only the lists: a base that set an id, a version or an area would be
  # silently overridden by (or override) the definition's own.
  set(rest "${text}")
  foreach(kind IN LISTS entry_kinds)
    clinic_remove(rest "${kind}" "" unused)
  endforeach()
  string(REPLACE "\nprotocol {\n}\n" "\n" rest "${rest}")
  string(STRIP "${rest}" rest)
  if(NOT rest STREQUAL "")
    string(REGEX MATCH "^[a-z_]+" field "${rest}")
    if(field STREQUAL "protocol")
      string(REGEX MATCH "\n  [a-z_]+" field "${rest}")
      string(STRIP "${field}" field)
      set(field "protocol.${field}")
    endif()
    clinic_fail("${base} sets ${field}, which a base cannot: a base holds only "
                "screening_questions, contraindications and protocol.aftercare; "
                "everything else belongs to the definition that uses it")
  endif()

  # Entries the definition leaves out.
  set(changed FALSE)
  foreach(id IN LISTS omit)
    foreach(kind IN LISTS entry_kinds)
      clinic_remove(text "${kind}" "${id}" removed)
      if(removed GREATER 0)
        list(APPEND omit_found "${id}")
        set(changed TRUE)
      endif()
    endforeach()
  endforeach()
  if(changed)
    file(WRITE "${work}/base${index}.textproto" "${text}")
    clinic_encode("${work}/base${index}.textproto" "${binary}")
  endif()

  foreach(kind IN LISTS entry_kinds)
    clinic_ids("${text}" "${kind}" ids)
    foreach(entry IN LISTS ids)
      list(FIND base_ids "${entry}" earlier)
      if(NOT earlier EQUAL -1)
        list(GET base_owners ${earlier} owner)
        string(REPLACE "=" " id '" what "${entry}")
        if(owner STREQUAL base)
          clinic_fail("${base}: ${what}' is declared twice in this base")
        endif()
        clinic_fail("${base}: ${what}' is also declared by the base ${owner}; "
                    "two bases of one plugin must not share an id")
      endif()
      list(APPEND base_ids "${entry}")
      list(APPEND base_owners "${base}")
    endforeach()
  endforeach()
  list(APPEND binaries "${binary}")
endforeach()

foreach(id IN LISTS omit)
  list(FIND omit_found "${id}" found)
  if(found EQUAL -1)
    clinic_fail("${INPUT}: OMIT names '${id}', which no base declares "
                "(as a screening question, contraindication rule or aftercare id)")
  endif()
endforeach()

foreach(entry IN LISTS definition_ids)
  list(FIND base_ids "${entry}" earlier)
  if(NOT earlier EQUAL -1)
    list(GET base_owners ${earlier} owner)
    string(REGEX REPLACE "=.*" "" field "${entry}")
    string(REGEX REPLACE "^[^=]*=" "" id "${entry}")
    clinic_fail(
      "${INPUT}: ${field} id '${id}' is also declared by the base ${owner}. "
      "Remove it from this file to use the base's, or list '${id}' in OMIT of "
      "clinic_add_treatment_plugin to replace the base's with this one")
  endif()
endforeach()
list(APPEND binaries "${work}/definition.bin")

# The merged definition, judged as the host will judge the plugin.
if(CHECKER)
  set(check_args "")
  if(bases)
    if(BASES MATCHES ",")
      clinic_fail("${INPUT}: a base path holds a comma, which clinic-plugin-check's --bases "
                  "cannot take; rename the folder or file")
    endif()
    list(JOIN bases "," joined)
    list(APPEND check_args "--bases=${joined}")
  endif()
  if(omit)
    list(JOIN omit "," joined)
    list(APPEND check_args "--omit=${joined}")
  endif()
  execute_process(
    COMMAND "${CHECKER}" ${check_args} "${INPUT}"
    OUTPUT_VARIABLE report
    ERROR_VARIABLE report
    RESULT_VARIABLE result)
  # A clean definition passes in silence; warnings are shown and pass.
  if(NOT result EQUAL 0 OR report MATCHES ": warning: ")
    clinic_print("${report}")
  endif()
  if(NOT result EQUAL 0)
    clinic_fail("${INPUT}: a plugin built from it would be refused: each line above names "
                "the file, line and field to fix")
  endif()
endif()

set(hex "")
foreach(binary IN LISTS binaries)
  file(READ "${binary}" part HEX)
  string(APPEND hex "${part}")
endforeach()
file(REMOVE_RECURSE "${work}")

string(LENGTH "${hex}" hex_length)
math(EXPR size "${hex_length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
# Twelve bytes a line keeps the generated file readable in a debugger.
string(REGEX REPLACE "((0x..,){12})" "\\1\n  " bytes "${bytes}")

set(entry "")
if(GENERATE_ENTRY)
  set(entry "\nCLINIC_TREATMENT_PLUGIN_FROM_BYTES(${SYMBOL}_definition, ${SYMBOL}_definition_size)\n")
endif()

set(sources "${INPUT}")
if(bases)
  list(JOIN bases ", " joined)
  set(sources "${joined} and ${INPUT}")
endif()
file(WRITE "${OUTPUT}.tmp"
"/* Generated from ${sources} by ClinicEmbedDefinition.cmake; do not edit. */
#include <clinic/treatment_plugin.h>

/* One spare byte keeps the array non-empty when the definition is empty. */
const uint8_t ${SYMBOL}_definition[${size} + 1] = {
  ${bytes}0x00};
const size_t ${SYMBOL}_definition_size = ${size};
${entry}")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
