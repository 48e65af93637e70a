// Uploads a file with callstream's S3 client, then HEADs it, for tests/tools/test_fake_s3.py:
//   s3_put ENDPOINT BUCKET PATH_STYLE(0|1) ACCESS_KEY SECRET KEY FILE MULTIPART_THRESHOLD PART_SIZE
// Prints "put <etag> head <size> <sha256 base64>", or "error <status> <code>" and exits 1.
#include <openssl/evp.h>

#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

#include "callstream/s3/client.hpp"

namespace {

std::string sha256_file(const std::string& path, int64_t& size) {
  std::ifstream in(path, std::ios::binary);
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size = static_cast<int64_t>(data.size());
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), digest, &n, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<const char*>(digest), n);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 10) {
    std::cerr << "usage: s3_put ENDPOINT BUCKET PATH_STYLE ACCESS SECRET KEY FILE THRESHOLD PART\n";
    return 2;
  }
  callstream::s3::S3Settings s;
  s.endpoint = argv[1];
  s.bucket = argv[2];
  s.path_style = std::string(argv[3]) == "1";
  s.credentials = {argv[4], argv[5], ""};
  s.multipart_threshold = std::stoll(argv[8]);
  s.part_size = std::stoll(argv[9]);
  callstream::s3::S3Client client(s);
  callstream::s3::Upload file{argv[7], 0, ""};
  file.sha256 = sha256_file(file.path, file.size);
  auto put = client.put(argv[6], file);
  if (!put) {
    std::cout << "error " << put.error().http_status << " " << put.error().code << "\n";
    return 1;
  }
  auto head = client.head(argv[6]);
  if (!head || !*head) {
    std::cout << "error " << (head ? 404 : head.error().http_status) << " head\n";
    return 1;
  }
  std::cout << "put " << put->etag << " head " << (*head)->size << " " << (*head)->sha256_base64
            << "\n";
}
