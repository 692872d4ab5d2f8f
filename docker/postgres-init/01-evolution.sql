-- Evolution API keeps its own tables in its own database on the same server.
create database evolution;
