// Certificates for tests of TLS, made by the openssl program from a
// configuration of our own, so nothing depends on the machine's openssl.cnf.
#ifndef CLINIC_TESTS_TESTING_CERTIFICATES_H_
#define CLINIC_TESTS_TESTING_CERTIFICATES_H_

#include <string>

namespace clinic::testing {

// Makes, in `dir`: a CA (ca.crt), a server certificate for localhost and
// 127.0.0.1 signed by it (server.crt, server.key), CA-signed client
// certificates for `client_name` (client.*) and for a name no principal
// claims (stranger.*), and a self-signed certificate (rogue.*) that copies
// `client_name` but was never signed by the CA. EC keys keep this fast.
// Returns an empty string on success, otherwise what went wrong (for one,
// that the openssl program is not installed).
std::string MakeCertificates(const std::string& dir, const std::string& client_name);

}  // namespace clinic::testing

#endif  // CLINIC_TESTS_TESTING_CERTIFICATES_H_
