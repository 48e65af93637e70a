// Prints the presigned URL callstream makes for its arguments, so
// tests/tools/test_sigv4_botocore.py can hold it against botocore's:
//   sigv4_presign ACCESS_KEY SECRET TOKEN REGION SCHEME HOST PATH UNIX_TIME EXPIRES
#include <iostream>
#include <string>

#include "callstream/s3/sigv4.hpp"

int main(int argc, char** argv) {
  if (argc != 10) {
    std::cerr
        << "usage: sigv4_presign ACCESS_KEY SECRET TOKEN REGION SCHEME HOST PATH UNIX EXPIRES\n";
    return 2;
  }
  callstream::s3::SignedRequest get;
  get.host = argv[6];
  get.path = argv[7];
  std::cout << callstream::s3::presigned_url({argv[1], argv[2], argv[3]}, {argv[4], "s3"}, argv[5],
                                             get, std::stoll(argv[8]), std::stoi(argv[9]))
            << "\n";
}
