-- An agreement letting a partner that is not a government body receive data above `publik`
-- records the exception and its legal basis (Pasal 30(3) of Perbup 33/2020: non publik data is for
-- the regional government and fellow government agencies). JSON text, null for none.
alter table agreements add column classification_exception text;
